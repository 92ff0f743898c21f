/// Which commit a file was built from, for the template and the release manifest: git in
/// the tool, a fixed answer in a test.
package protocol SourceControl: Sendable {
    /// The commit of the file at `path` ("-dirty" when it has changes); nil outside a work tree.
    func commit(of path: String) async -> String?
}
