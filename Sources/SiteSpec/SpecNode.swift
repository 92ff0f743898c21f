import Basics

/// One JSON value of a site spec: the validation kit's `JSONNode`, with the spec's own value
/// types on top.
typealias SpecNode = JSONNode

extension JSONNode {
    func ip() -> IPAddress? {
        string().flatMap { text in
            if let address = IPAddress(text) { return address }
            issue("'\(text)' is not an IPv4 or IPv6 address")
            return nil
        }
    }

    func interfaceAddress() -> InterfaceAddress? {
        string().flatMap { text in
            if let address = InterfaceAddress(text) { return address }
            issue("'\(text)' is not an address with a prefix length, such as 10.20.0.10/24 or 2001:db8::10/64")
            return nil
        }
    }
}
