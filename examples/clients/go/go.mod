module example.com/tsb-emulator/examples/go

go 1.21
