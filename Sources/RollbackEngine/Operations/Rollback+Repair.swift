import Basics
import FoundationEssentials
import Release

extension Rollback {
    package struct RepairResult: Encodable {
        package var actions: [String]
        package var current: String?
    }

    /// The way out of damaged or hand-edited state: optionally drop an unreadable journal or
    /// set a pointer by hand, then finish any interrupted operation and make the boot
    /// selection and the services agree with `current` again.
    package func repair(discardJournal: Bool, setCurrent: String?, setPrevious: String?) throws(RollbackError) -> RepairResult {
        if let setCurrent { try Self.requireVersion(setCurrent, "--current") }
        if let setPrevious { try Self.requireVersion(setPrevious, "--previous") }
        return try context.exclusively { () throws(RollbackError) -> RepairResult in
            var actions: [String] = []
            if discardJournal, context.files.exists(paths.journal) {
                try store.clearJournal()
                actions.append("discarded the journal of an interrupted operation")
            }
            for (path, version) in [(paths.current, setCurrent), (paths.previous, setPrevious)] {
                guard let version else { continue }
                _ = try store.record(version)
                try store.setPointer(path, to: version)
                actions.append("pointed \(Path.name(path)) at \(version)")
            }
            if let journal = try finishPending() {
                actions.append("finished the interrupted \(journal.operation.rawValue) from \(journal.from ?? "nothing") to \(journal.to)")
            }
            guard let current = try self.current() else {
                actions.append("no release is active; nothing else to repair")
                return RepairResult(actions: actions, current: nil)
            }
            var (_, selection) = try store.bootSelection()
            let before = selection
            if selection[current.osSlot].version != current.osVersion {
                selection[current.osSlot].version = current.osVersion
                actions.append("recorded OS \(current.osVersion) in slot \(current.osSlot), as release \(current.version) says")
            }
            if current.health == .good {
                selection.commit(current.osSlot)
            } else if selection.nextBoot != current.osSlot {
                selection.startTrial(of: current.osSlot, attempts: 3)
            }
            if selection != before {
                try store.save(selection)
                actions.append("boot selection now prefers slot \(current.osSlot)")
            }
            let bundle = try store.bundle(current.version)
            try Switcher(context: context).switchServices(to: bundle, from: nil)
            actions.append("re-tagged and started the services of \(current.version)")
            return RepairResult(actions: actions, current: current.version)
        }
    }
}
