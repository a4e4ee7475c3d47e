package transport

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// ErrBadURL is wrapped by every transport URL error.
var ErrBadURL = errors.New("transport: bad transport URL")

// URL is a parsed transport URL in oslo.messaging's form:
// scheme://[user:pass@]host[:port][,[user:pass@]host[:port]...]/[vhost][?query].
type URL struct {
	Scheme string // memory, rabbit, amqp or amqps
	Hosts  []Host // brokers to try, in order; empty for memory
	VHost  string // RabbitMQ virtual host; "/" when the path is empty
	Name   string // memory: the bus name ("" is the default bus)
	Query  url.Values
}

// Host is one broker of a URL.
type Host struct {
	Hostname string
	Port     int
	Username string
	Password string
}

// Addr returns host:port.
func (h Host) Addr() string { return net.JoinHostPort(h.Hostname, strconv.Itoa(h.Port)) }

// String writes the URL with passwords masked, safe for logs and errors.
func (u URL) String() string {
	if u.Scheme == "memory" {
		return "memory://" + u.Name
	}
	hosts := make([]string, len(u.Hosts))
	for i, h := range u.Hosts {
		hosts[i] = h.String()
	}
	s := u.Scheme + "://" + strings.Join(hosts, ",") + "/" + url.PathEscape(strings.TrimPrefix(u.VHost, "/"))
	if len(u.Query) > 0 {
		s += "?" + u.Query.Encode()
	}
	return s
}

// String writes the host with its password masked, for logs and errors.
func (h Host) String() string {
	auth := ""
	if h.Username != "" {
		auth = h.Username + ":***@"
	}
	return auth + h.Addr()
}

// ParseURL parses a transport URL. A password may hold any character,
// escaped or not ('/', '?', ',', '@', '#', ':', '%' included): the hosts end
// at the first '/' or '?' after the last '@' before the options, and a
// host list split inside a password is joined again. No error repeats any
// part of a password.
func ParseURL(raw string) (URL, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return URL{}, fmt.Errorf("%w: %q has no scheme: want memory://, rabbit://, amqp:// or amqps://", ErrBadURL, redactRaw(raw))
	}
	u := URL{Scheme: strings.ToLower(scheme)}
	hostPart, tail := splitAuthority(rest)
	path, query, _ := strings.Cut(strings.TrimPrefix(tail, "/"), "?")
	if strings.HasPrefix(tail, "?") {
		path, query = "", tail[1:]
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return URL{}, fmt.Errorf("%w: the options after '?' are not valid percent-encoding", ErrBadURL)
	}
	u.Query = q
	switch u.Scheme {
	case "memory":
		u.Name = hostPart
		return u, nil
	case "rabbit", "amqp", "amqps":
	default:
		return URL{}, fmt.Errorf("%w: unknown scheme %q: want memory, rabbit, amqp or amqps", ErrBadURL, scheme)
	}
	if u.VHost, err = url.PathUnescape(path); err != nil {
		return URL{}, fmt.Errorf("%w: virtual host %q: %v", ErrBadURL, path, err)
	}
	if u.VHost == "" {
		u.VHost = "/"
	}
	defaultPort := 5672
	if u.Scheme == "amqps" {
		defaultPort = 5671
	}
	for i, part := range splitHosts(hostPart) {
		h, err := parseHost(part, defaultPort)
		if err != nil {
			return URL{}, fmt.Errorf("%w: host %d of %s: %v", ErrBadURL, i+1, u.Scheme, err)
		}
		u.Hosts = append(u.Hosts, h)
	}
	return u, nil
}

// optionsStart finds the '?' that starts the options: one followed by an
// option name and '=', or one that ends the URL.
var optionsStart = regexp.MustCompile(`\?([A-Za-z_]+=|$)`)

// splitAuthority cuts s (the URL after "://") into the hosts with their
// credentials and the rest ("/vhost?options").
func splitAuthority(s string) (hosts, tail string) {
	end := len(s)
	if loc := optionsStart.FindStringIndex(s); loc != nil {
		end = loc[0]
	}
	from := max(strings.LastIndex(s[:end], "@"), 0)
	if i := strings.IndexAny(s[from:], "/?"); i >= 0 {
		return s[:from+i], s[from+i:]
	}
	return s, ""
}

// splitHosts splits a host list at its commas, joining back the pieces of
// a password that holds commas: a piece without '@' that is no host[:port]
// continues into the next ("u:a" in "u:a,b@h"), and so does one before a
// piece whose credentials have no ':' ("u:1,b@h").
func splitHosts(s string) []string {
	parts := strings.Split(s, ",")
	var hosts []string
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		for i+1 < len(parts) && !strings.Contains(p, "@") && continues(p, parts[i+1]) {
			i++
			p += "," + parts[i]
		}
		hosts = append(hosts, p)
	}
	return hosts
}

// hostPort matches host[:port] and [v6]:port without credentials.
var hostPort = regexp.MustCompile(`^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]+)?$`)

// continues reports whether piece p, which has no '@', is the start of a
// password that next goes on with.
func continues(p, next string) bool {
	if !hostPort.MatchString(p) {
		return true
	}
	creds, _, hasAt := cutLast(next, "@")
	return hasAt && strings.Contains(p, ":") && !strings.Contains(creds, ":")
}

func parseHost(s string, defaultPort int) (Host, error) {
	var h Host
	if auth, hostport, ok := cutLast(s, "@"); ok {
		user, pass, _ := strings.Cut(auth, ":")
		h.Username, h.Password = unescape(user), unescape(pass)
		s = hostport
	}
	if s == "" {
		return h, errors.New("host name is empty")
	}
	h.Hostname, h.Port = s, defaultPort
	if host, port, err := net.SplitHostPort(s); err == nil {
		n, perr := strconv.Atoi(port)
		if perr != nil || n <= 0 || n > 65535 {
			return h, errors.New("port is not a number from 1 to 65535")
		}
		h.Hostname, h.Port = host, n
	} else if strings.Contains(strings.Trim(s, "[]"), ":") && !strings.HasPrefix(s, "[") {
		return h, errors.New("want host or host:port (an IPv6 address in brackets)")
	}
	h.Hostname = strings.Trim(h.Hostname, "[]")
	return h, nil
}

// unescape decodes percent-escapes as Python's unquote does: a '%' that
// starts no valid escape is kept as it is.
func unescape(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// redactRaw masks anything between "://" or "," and "@" in an unparsed URL.
func redactRaw(raw string) string {
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		return "***" + raw[i:]
	}
	return raw
}
