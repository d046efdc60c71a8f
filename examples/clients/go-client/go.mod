module pinprick.example/go-client

go 1.19
