// Command oslo is a Go RPC server that an OpenStack service's
// oslo.messaging client calls: client.py beside it is that client.
//
//	go run ./examples/oslo -url rabbit://guest:guest@127.0.0.1:5672/ &
//	/usr/bin/python3 examples/oslo/client.py rabbit://guest:guest@127.0.0.1:5672/
//
// or, to take the transport and its options from the service's own file:
//
//	go run ./examples/oslo -config-file /etc/nova/nova.conf
package main
