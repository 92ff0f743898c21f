import Basics
/// The two OS image slots.
public enum Slot: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case a = "A", b = "B"

    public var other: Slot { self == .a ? .b : .a }
    public var description: String { rawValue }
}

/// The A/B boot selection kept in the GRUB environment block, RAUC style:
/// `ORDER` (preference), and per slot `<S>_OK` (1 = committed good), `<S>_TRIES` (boots left
/// while on trial; GRUB's script decrements it on each boot of an uncommitted slot and skips
/// the slot at 0) and `<S>_VERSION` (the OS image version written into the slot).
/// See templates/grub-ab.cfg for the GRUB side.
public struct BootSelection: Sendable, Equatable {
    public struct SlotState: Sendable, Equatable, Codable {
        public var ok: Bool
        public var tries: Int
        public var version: String?

        public init(ok: Bool, tries: Int, version: String?) {
            self.ok = ok
            self.tries = tries
            self.version = version
        }

        public var bootable: Bool { ok || tries > 0 }
        public var onTrial: Bool { !ok && tries > 0 }
    }

    public var order: [Slot]
    public var slots: [Slot: SlotState]

    public init(order: [Slot] = [.a, .b], slots: [Slot: SlotState] = [:]) {
        self.order = order
        self.slots = slots
    }

    public subscript(slot: Slot) -> SlotState {
        get { slots[slot] ?? SlotState(ok: false, tries: 0, version: nil) }
        set { slots[slot] = newValue }
    }

    /// Reads the selection from a block, naming the variable that is malformed.
    public init(_ environment: BootEnvironment) throws(ReleaseError) {
        let orderText = environment["ORDER"] ?? "A B"
        var order: [Slot] = []
        for word in orderText.split(separator: " ") {
            guard let slot = Slot(rawValue: String(word)), !order.contains(slot) else {
                throw .bootEnvironment("has ORDER='\(orderText)'; expected 'A B' or 'B A'")
            }
            order.append(slot)
        }
        for slot in Slot.allCases where !order.contains(slot) { order.append(slot) }
        self.order = order
        self.slots = [:]
        for slot in Slot.allCases {
            let okText = environment["\(slot)_OK"] ?? "0"
            guard okText == "0" || okText == "1" else { throw .bootEnvironment("has \(slot)_OK='\(okText)'; expected 0 or 1") }
            let triesText = environment["\(slot)_TRIES"] ?? "0"
            guard let tries = Int(asciiDecimal: triesText), (0...99).contains(tries) else {
                throw .bootEnvironment("has \(slot)_TRIES='\(triesText)'; expected a number from 0 to 99")
            }
            self[slot] = SlotState(ok: okText == "1", tries: tries, version: environment["\(slot)_VERSION"].flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    /// Writes the selection into a block, leaving every other variable as it was.
    public func apply(to environment: inout BootEnvironment) {
        environment["ORDER"] = order.map(\.rawValue).joined(separator: " ")
        for slot in Slot.allCases {
            environment["\(slot)_OK"] = self[slot].ok ? "1" : "0"
            environment["\(slot)_TRIES"] = String(self[slot].tries)
            environment["\(slot)_VERSION"] = self[slot].version ?? ""
        }
    }

    /// The slot GRUB boots next: the first in ORDER that is committed or has tries left; when
    /// neither is (every slot failed), the first in ORDER anyway: a box that boots something
    /// can be reached, a box that boots nothing cannot.
    public var nextBoot: Slot {
        order.first { self[$0].bootable } ?? order.first ?? .a
    }

    /// A new OS image was written into `slot`: it is not known good until it has booted and
    /// been committed.
    public mutating func recordImage(_ version: String, in slot: Slot) {
        self[slot] = SlotState(ok: false, tries: 0, version: version)
    }

    /// Prefer `slot`; when it is not yet committed, give it `attempts` boots to prove itself.
    public mutating func startTrial(of slot: Slot, attempts: Int) {
        order = [slot, slot.other]
        if !self[slot].ok { self[slot].tries = attempts }
    }

    /// The slot booted and passed its checks: it is good, and stays preferred.
    public mutating func commit(_ slot: Slot) {
        order = [slot, slot.other]
        self[slot].ok = true
        self[slot].tries = 0
    }

    /// Go back to `slot` (which ran before and is trusted) and make the failed one unbootable
    /// until it is activated again.
    public mutating func fallBack(to slot: Slot, from failed: Slot) {
        order = [slot, slot.other]
        self[slot].ok = true
        self[slot].tries = 0
        guard failed != slot else { return }
        self[failed].ok = false
        self[failed].tries = 0
    }
}
