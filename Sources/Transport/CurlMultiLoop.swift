import Basics
import CCurl
import Dispatch

/// Owner of one libcurl multi handle and the thread that drives it: every transfer of a
/// transport runs on this one event loop (as `curl --parallel` does) instead of a blocked
/// thread each, and all of them share one connection cache. Transfers are handed over with
/// `submit`; `curl_multi_wakeup` interrupts the loop's poll so a new one starts at once.
final class CurlMultiLoop: @unchecked Sendable {
    struct Job {
        let handle: CurlEasyHandle
        /// Kept alive until the transfer is done (callbacks and header lists point into it).
        let state: AnyObject
        let done: @Sendable (CURLcode) -> Void
    }

    private let multi: UnsafeMutableRawPointer
    private let lock = Lock()
    private var pending: [Job] = []
    private var stopping = false
    /// In-flight transfers by easy handle; touched by the loop thread only.
    private var active: [UnsafeMutableRawPointer: Job] = [:]

    init() throws(TransportFailure) {
        CurlGlobal.ensureInitialized()
        guard let multi = curl_multi_init() else { throw .setup("curl_multi_init returned NULL") }
        self.multi = multi
        // A serial queue of its own: a GCD thread, never one of Swift's cooperative pool.
        DispatchQueue(label: "edge.curl.multi").async { self.run() }
    }

    deinit { curl_multi_cleanup(multi) }

    /// Starts a transfer on a configured handle; `done` gets its result on the loop thread.
    func submit(_ job: Job) {
        let accepted = lock.withLock { () -> Bool in
            guard !stopping else { return false }
            pending.append(job)
            return true
        }
        guard accepted else { return job.done(CURLE_ABORTED_BY_CALLBACK) }
        curl_multi_wakeup(multi)
    }

    /// Ends the loop; transfers still running end with CURLE_ABORTED_BY_CALLBACK.
    func stop() {
        lock.withLock { stopping = true }
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            let (jobs, stop) = lock.withLock { () -> ([Job], Bool) in
                defer { pending.removeAll() }
                return (pending, stopping)
            }
            if stop {
                for job in jobs { job.done(CURLE_ABORTED_BY_CALLBACK) }
                for (easy, job) in active {
                    curl_multi_remove_handle(multi, easy)
                    job.done(CURLE_ABORTED_BY_CALLBACK)
                }
                active.removeAll()
                return
            }
            for job in jobs {
                if curl_multi_add_handle(multi, job.handle.raw) == CURLM_OK {
                    active[job.handle.raw] = job
                } else {
                    job.done(CURLE_FAILED_INIT)
                }
            }
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let result = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                active.removeValue(forKey: easy)?.done(result)
            }
            var ready: Int32 = 0
            curl_multi_poll(multi, nil, 0, 1000, &ready)
        }
    }
}
