module github.com/rpcexec/rpcexec

go 1.26

require (
	github.com/panjf2000/ants/v2 v2.12.1
	github.com/rabbitmq/amqp091-go v1.16.0
	go.uber.org/goleak v1.3.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/kr/text v0.2.0 // indirect
	golang.org/x/sync v0.16.0 // indirect
)
