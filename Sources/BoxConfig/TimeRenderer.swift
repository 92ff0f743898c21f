import SiteSpec

enum TimeRenderer {
    /// chrony.conf: the site's sources with iburst, and makestep so a box that boots with a
    /// wrong clock (no RTC battery) is stepped right away rather than slewed for hours — TLS
    /// to the dashboard needs a correct clock.
    static func chrony(_ time: SiteSpec.Time, header: String) -> String {
        var lines = ["# \(header)"]
        for source in time.sources { lines.append("\(source.type) \(source.host) iburst") }
        lines += [
            "driftfile /var/lib/chrony/chrony.drift",
            "makestep 1.0 3",
            "rtcsync",
            "keyfile /etc/chrony/chrony.keys",
            "leapsectz right/UTC",
            "logdir /var/log/chrony",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A timesyncd drop-in: the site's sources (timesyncd treats pools and servers alike).
    static func timesyncd(_ time: SiteSpec.Time, header: String) -> String {
        ["# \(header)", "[Time]", "NTP=\(time.sources.map(\.host).joined(separator: " "))", "FallbackNTP=", ""].joined(separator: "\n")
    }
}

enum HostsRenderer {
    static func render(_ spec: SiteSpec, header: String) -> String {
        let names = [spec.device.fqdn, spec.device.hostname].compactMap { $0 }.joined(separator: " ")
        var lines = [
            "# \(header)",
            "127.0.0.1\tlocalhost",
            "127.0.1.1\t\(names)",
            "::1\tlocalhost ip6-localhost ip6-loopback",
            "ff02::1\tip6-allnodes",
            "ff02::2\tip6-allrouters",
        ]
        for entry in spec.hosts { lines.append("\(entry.ip)\t\(entry.names.joined(separator: " "))") }
        return lines.joined(separator: "\n") + "\n"
    }
}
