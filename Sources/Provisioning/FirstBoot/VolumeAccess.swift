/// How `first-boot` reaches a removable volume: find a block device by file-system label,
/// mount it read-only, unmount it. The system's tools behind it (blkid, mount, umount).
package protocol VolumeAccess: Sendable {
    /// The device carrying a file system with this label, if one is attached now.
    func device(label: String) -> String?
    func mount(_ device: String, at directory: String) throws(VolumeError)
    func unmount(_ directory: String)
}

package struct VolumeError: Error, CustomStringConvertible {
    package var description: String
    package init(description: String) { self.description = description }
}
