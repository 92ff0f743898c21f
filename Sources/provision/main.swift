import ProvisionCommands
ProvisionCommand.main()
