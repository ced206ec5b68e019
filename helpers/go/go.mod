module github.com/tsb-emulator/tsb-emulator/helpers/go

go 1.21
