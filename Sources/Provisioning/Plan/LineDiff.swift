/// A small line diff (longest common subsequence) for showing planned changes.
package enum LineDiff {
    package static func unified(old: String, new: String, path: String) -> String {
        func lines(_ text: String) -> [String] {
            var result = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if text.hasSuffix("\n") { result.removeLast() }
            return result
        }
        let a = lines(old), b = lines(new)
        var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var lines = ["--- \(path) (now)", "+++ \(path) (planned)"]
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] { lines.append(" " + a[i]); i += 1; j += 1 }
            else if i < a.count, j == b.count || lcs[i + 1][j] >= lcs[i][j + 1] { lines.append("-" + a[i]); i += 1 }
            else { lines.append("+" + b[j]); j += 1 }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
