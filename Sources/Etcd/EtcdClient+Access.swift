import Fleet

/// Users and roles: one etcd user and one role per device, granted only what the layout says a
/// device may touch (FleetLayout.devicePermissions), and the switch that turns auth on.
extension EtcdClient {
    public func addUser(_ name: String, password: String) async throws(FleetError) {
        _ = try await call("auth/user/add", EtcdWire.UserAdd(name: name, password: password), as: EtcdWire.HeaderOnly.self)
    }

    public func addRole(_ name: String) async throws(FleetError) {
        _ = try await call("auth/role/add", EtcdWire.Name(name: name), as: EtcdWire.HeaderOnly.self)
    }

    public func grant(role: String, _ permission: FleetPermission) async throws(FleetError) {
        let perm = EtcdWire.RoleGrant.Permission(permType: permission.access.rawValue, key: EtcdWire.base64(permission.key),
                                                 rangeEnd: permission.rangeEnd.map { EtcdWire.base64($0) })
        _ = try await call("auth/role/grant", EtcdWire.RoleGrant(name: role, perm: perm), as: EtcdWire.HeaderOnly.self)
    }

    public func grant(user: String, role: String) async throws(FleetError) {
        _ = try await call("auth/user/grant", EtcdWire.UserGrant(user: user, role: role), as: EtcdWire.HeaderOnly.self)
    }

    public func enableAuth() async throws(FleetError) {
        _ = try await call("auth/enable", EtcdWire.Empty(), as: EtcdWire.HeaderOnly.self)
    }

    /// A device's user (named after it) and its role, with the layout's grants.
    public func addDevice(_ device: FleetName, site: FleetName, password: String, layout: FleetLayout) async throws(FleetError) {
        let name = "device-\(device.text)"
        try await addUser(name, password: password)
        try await addRole(name)
        for permission in layout.devicePermissions(device: device, site: site) {
            try await grant(role: name, permission)
        }
        try await grant(user: name, role: name)
    }
}
