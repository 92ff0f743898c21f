import RollbackCommands
import ToolMain
await ToolMain.run(RollbackCommand.self)
