package transport

import (
	"errors"
	"fmt"
	"net"
	"net/url"
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

// ParseURL parses a transport URL. Errors never contain the password.
func ParseURL(raw string) (URL, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return URL{}, fmt.Errorf("%w: %q has no scheme: want memory://, rabbit://, amqp:// or amqps://", ErrBadURL, redactRaw(raw))
	}
	u := URL{Scheme: strings.ToLower(scheme)}
	rest, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return URL{}, fmt.Errorf("%w: query: %v", ErrBadURL, err)
	}
	u.Query = q
	hostPart, path, _ := strings.Cut(rest, "/")
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
	for i, part := range strings.Split(hostPart, ",") {
		h, err := parseHost(part, defaultPort)
		if err != nil {
			return URL{}, fmt.Errorf("%w: host %d of %s: %v", ErrBadURL, i+1, u.Scheme, err)
		}
		u.Hosts = append(u.Hosts, h)
	}
	return u, nil
}

func parseHost(s string, defaultPort int) (Host, error) {
	var h Host
	if auth, hostport, ok := cutLast(s, "@"); ok {
		user, pass, _ := strings.Cut(auth, ":")
		var err error
		if h.Username, err = url.PathUnescape(user); err != nil {
			return h, errors.New("user name is not valid percent-encoding")
		}
		if h.Password, err = url.PathUnescape(pass); err != nil {
			return h, errors.New("password is not valid percent-encoding")
		}
		s = hostport
	}
	if s == "" {
		return h, errors.New("host name is empty")
	}
	h.Hostname, h.Port = s, defaultPort
	if host, port, err := net.SplitHostPort(s); err == nil {
		n, perr := strconv.Atoi(port)
		if perr != nil || n <= 0 || n > 65535 {
			return h, fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
		h.Hostname, h.Port = host, n
	} else if strings.Contains(strings.Trim(s, "[]"), ":") && !strings.HasPrefix(s, "[") {
		return h, fmt.Errorf("%q: want host or host:port", s)
	}
	h.Hostname = strings.Trim(h.Hostname, "[]")
	return h, nil
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
