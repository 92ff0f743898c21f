import Foundation
import Release
import Testing
import TestSupport

/// The GRUB environment block, written by us and read back by the real `grub-editenv`, and
/// the other way round; and the A/B selection rules as a table.
@Suite struct BootEnvironmentTests {
    @Test func ourBlockIsWhatGrubEditenvReads() async throws {
        let directory = try TemporaryDirectory("grubenv")
        var selection = BootSelection()
        selection.recordImage("2026.11.1", in: .a)
        selection.commit(.a)
        selection.recordImage("2026.12.1", in: .b)
        selection.startTrial(of: .b, attempts: 3)
        var environment = BootEnvironment()
        selection.apply(to: &environment)
        let bytes = try environment.rendered()
        #expect(bytes.count == 1024)
        let path = directory.file("grubenv")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let listed = try await ProcessSupport.checkDetached("grub-editenv", [path, "list"])
        #expect(listed == "ORDER=B A\nA_OK=1\nA_TRIES=0\nA_VERSION=2026.11.1\nB_OK=0\nB_TRIES=3\nB_VERSION=2026.12.1\n")
    }

    @Test func aBlockFromGrubEditenvKeepsItsOtherVariables() async throws {
        let directory = try TemporaryDirectory("grubenv")
        let path = directory.file("grubenv")
        try await ProcessSupport.checkDetached("grub-editenv", [path, "create"])
        try await ProcessSupport.checkDetached("grub-editenv", [path, "set", "saved_entry=gnulinux-advanced", "A_TRIES=2", "ORDER=B A"])
        var environment = try BootEnvironment(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        var selection = try BootSelection(environment)
        #expect(selection.order == [.b, .a] && selection[.a].tries == 2)
        selection.commit(.a)
        selection.apply(to: &environment)
        try Data(try environment.rendered()).write(to: URL(fileURLWithPath: path))
        let listed = try await ProcessSupport.checkDetached("grub-editenv", [path, "list"])
        #expect(listed.hasPrefix("saved_entry=gnulinux-advanced\n"), "a variable we do not own is kept: \(listed)")
        #expect(listed.contains("ORDER=A B\n") && listed.contains("A_OK=1\n") && listed.contains("A_TRIES=0\n"))
    }

    @Test(arguments: [
        ("short", "# GRUB Environment Block\nORDER=A B\n", "exactly 1024"),
        ("header", "not a block" + String(repeating: "#", count: 1013), "does not start with"),
        ("line", "# GRUB Environment Block\ngarbage\n" + String(repeating: "#", count: 1024 - 33), "line 2 is not name=value"),
    ])
    func damagedBlocksAreRefused(name: String, text: String, message: String) {
        #expect(throws: ReleaseError.self) { try BootEnvironment(parsing: Array(text.utf8)) }
        do { _ = try BootEnvironment(parsing: Array(text.utf8)) } catch { #expect(error.description.contains(message), "\(name): \(error)") }
    }

    @Test(arguments: [("ORDER", "A C", "ORDER='A C'"), ("A_OK", "yes", "A_OK='yes'"), ("B_TRIES", "-1", "B_TRIES='-1'")])
    func malformedSelectionVariablesAreNamed(variable: String, value: String, message: String) throws {
        var environment = BootEnvironment()
        environment[variable] = value
        #expect { try BootSelection(environment) } throws: { ($0 as? ReleaseError)?.description.contains(message) == true }
    }

    @Test func overflowingTheBlockIsAnError() {
        var environment = BootEnvironment()
        environment["big"] = String(repeating: "x", count: 1100)
        #expect(throws: ReleaseError.self) { try environment.rendered() }
    }

    @Test func selectionRules() {
        var selection = BootSelection()
        selection.recordImage("1", in: .a)
        selection.commit(.a)
        #expect(selection.nextBoot == .a)
        selection.recordImage("2", in: .b)
        #expect(selection.nextBoot == .a, "a written but never activated slot is not booted")
        selection.startTrial(of: .b, attempts: 2)
        #expect(selection.nextBoot == .b && selection[.b].onTrial)
        // GRUB uses the tries; when they run out it boots A again.
        selection[.b].tries = 0
        #expect(selection.nextBoot == .a)
        selection.fallBack(to: .a, from: .b)
        #expect(selection.order == [.a, .b] && !selection[.b].bootable && selection[.a].ok)
        // Rolling back between releases on one slot leaves that slot alone.
        selection.fallBack(to: .a, from: .a)
        #expect(selection[.a].ok)
        // Every slot failed: still boot something (the preferred one) rather than nothing.
        selection[.a].ok = false
        #expect(selection.nextBoot == .a)
        // A committed slot needs no trial when chosen again.
        selection.commit(.a)
        selection.startTrial(of: .a, attempts: 3)
        #expect(selection[.a].tries == 0 && selection[.a].ok)
    }
}
