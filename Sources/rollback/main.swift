import RollbackCommands
RollbackCommand.main()
