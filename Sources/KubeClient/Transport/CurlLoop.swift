import CCurl
import Foundation
import Glibc
import KubeAPI
import Synchronization

/// libcurl's process-wide setup, done once (a global's initializer runs exactly once).
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// One libcurl multi handle driven by one dedicated thread. Tasks hand transfers over
/// through a locked queue and an eventfd; the thread adds them, waits on epoll for the
/// sockets libcurl asks it to watch (`CURLMOPT_SOCKETFUNCTION`) and for libcurl's timer
/// (`CURLMOPT_TIMERFUNCTION`), drives them with `curl_multi_socket_action`, and resumes
/// the waiting continuations as transfers finish. Unlike `curl_multi_poll`, the cost of
/// an event does not grow with the number of open connections. No curl call ever runs on Swift's cooperative pool, and all transfers share
/// the multi handle's connection cache (HTTP/2 streams are multiplexed on one connection
/// when the server speaks it).
final class CurlLoop: @unchecked Sendable {
    private enum Command {
        case add(Transfer)
        case cancel(Transfer)
        case resume(Transfer)
        case stop
    }

    private let multi: UnsafeMutableRawPointer
    private let epoll: Int32
    private let wakeFD: Int32
    private struct Queue {
        var commands: [Command] = []
        var closed = false
    }
    private let queue = Mutex(Queue())
    /// The transport settings every easy handle gets (per cluster).
    let tls: ServerTLS
    let proxy: String?
    let server: String

    // Loop-thread only.
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var spareHandles: [UnsafeMutableRawPointer] = []
    private var stopping = false
    /// When libcurl wants `socket_action(CURL_SOCKET_TIMEOUT)` next; nil: no timer.
    private var timerDeadline: ContinuousClock.Instant?
    private var watched: Set<Int32> = []
    private let pauseCount = Atomic<Int>(0)

    /// How many times a transfer was resumed after pausing for its reader.
    var pauses: Int { pauseCount.load(ordering: .relaxed) }

    init(server: String, tls: ServerTLS, proxy: String?) throws(KubeError) {
        guard curlGlobalInit == CURLE_OK else {
            throw .transport(server: server, message: "libcurl failed to initialise (code \(curlGlobalInit.rawValue))")
        }
        guard let m = curl_multi_init() else {
            throw .transport(server: server, message: "libcurl could not create a multi handle")
        }
        let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
        let wake = skein_eventfd_create()
        guard ep >= 0, wake >= 0 else {
            curl_multi_cleanup(m)
            throw .transport(server: server, message: "cannot create the transport's epoll/eventfd: \(String(cString: strerror(errno)))")
        }
        _ = skein_epoll_set(ep, EPOLL_CTL_ADD, wake, EPOLLIN.rawValue)
        multi = m
        epoll = ep
        wakeFD = wake
        self.server = server
        self.tls = tls
        self.proxy = proxy
        _ = skein_curl_multi_setopt_long(m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)
        _ = skein_curl_multi_setopt_long(m, CURLMOPT_MAXCONNECTS, 64)
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = skein_curl_multi_setopt_socketcb(m, curlSocketCallback)
        _ = skein_curl_multi_setopt_ptr(m, CURLMOPT_SOCKETDATA, me)
        _ = skein_curl_multi_setopt_timercb(m, curlTimerCallback)
        _ = skein_curl_multi_setopt_ptr(m, CURLMOPT_TIMERDATA, me)
        let thread = Thread { [self] in self.run() }
        thread.start()
    }

    /// Stops the thread once; transfers still running fail.
    func shutdown() {
        enqueue(.stop)
    }

    func start(_ t: Transfer) {
        if !enqueue(.add(t)) {
            t.complete(error: KubeError.transport(server: server, message: "the client was shut down"))
        }
    }

    func cancel(_ t: Transfer) {
        t.markCancelled()
        _ = enqueue(.cancel(t))
    }

    func resume(_ t: Transfer) { _ = enqueue(.resume(t)) }

    /// Queues a command and wakes the thread; false once the loop has stopped. The wakeup
    /// happens under the lock so that it never races with the multi handle's cleanup.
    @discardableResult
    private func enqueue(_ c: Command) -> Bool {
        queue.withLock { q in
            if q.closed { return false }
            let wasEmpty = q.commands.isEmpty
            q.commands.append(c)
            if wasEmpty { _ = skein_eventfd_signal(wakeFD) }
            return true
        }
    }

    // MARK: the thread

    private func run() {
        skein_set_thread_name("skein-kube-curl")
        var fds = [Int32](repeating: 0, count: 64)
        var events = [UInt32](repeating: 0, count: 64)
        var running: Int32 = 0
        while true {
            let batch = queue.withLock { q -> [Command] in
                let b = q.commands
                q.commands.removeAll(keepingCapacity: true)
                if b.contains(where: { if case .stop = $0 { true } else { false } }) { q.closed = true }
                return b
            }
            for c in batch {
                switch c {
                case .add(let t): add(t)
                case .cancel(let t): remove(t, error: CancellationError())
                case .resume(let t):
                    if let h = t.handle, active[h] != nil {
                        pauseCount.add(1, ordering: .relaxed)
                        _ = curl_easy_pause(h, 0)  // CURLPAUSE_CONT
                    }
                case .stop: stopping = true
                }
            }
            if stopping {
                for t in Array(active.values) {
                    remove(t, error: KubeError.transport(server: server, message: "the client was shut down"))
                }
                for h in spareHandles { curl_easy_cleanup(h) }
                spareHandles.removeAll()
                curl_multi_cleanup(multi)
                close(epoll)
                close(wakeFD)
                return
            }
            // Wait for a socket, a command, or libcurl's timer (at most a second).
            var timeout: Int32 = 1000
            if let d = timerDeadline {
                let left = ContinuousClock.now.duration(to: d)
                timeout = left <= .zero ? 0 : Int32(min(1000, max(1, left.milliseconds)))
            }
            let n = fds.withUnsafeMutableBufferPointer { f in
                events.withUnsafeMutableBufferPointer { e in skein_epoll_wait(epoll, f.baseAddress, e.baseAddress, 64, timeout) }
            }
            if n > 0 {
                for k in 0..<Int(n) {
                    if fds[k] == wakeFD {
                        skein_eventfd_drain(wakeFD)
                        continue
                    }
                    var mask: Int32 = 0
                    if events[k] & EPOLLIN.rawValue != 0 { mask |= CURL_CSELECT_IN }
                    if events[k] & EPOLLOUT.rawValue != 0 { mask |= CURL_CSELECT_OUT }
                    if events[k] & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { mask |= CURL_CSELECT_ERR }
                    _ = curl_multi_socket_action(multi, fds[k], mask, &running)
                }
            }
            if let d = timerDeadline, d <= .now {
                timerDeadline = nil
                _ = curl_multi_socket_action(multi, CURL_SOCKET_BAD, 0, &running)  // CURL_SOCKET_TIMEOUT
            }
            var left: Int32 = 0
            while let msg = curl_multi_info_read(multi, &left) {
                guard msg.pointee.msg == CURLMSG_DONE, let h = msg.pointee.easy_handle else { continue }
                let code = skein_curl_msg_result(msg)
                finish(h, code: code)
            }
        }
    }

    /// libcurl says which events of a socket to wait for (or to forget it).
    fileprivate func watch(socket fd: Int32, what: Int32) {
        if what == CURL_POLL_REMOVE {
            if watched.remove(fd) != nil { _ = skein_epoll_set(epoll, EPOLL_CTL_DEL, fd, 0) }
            return
        }
        var ev: UInt32 = 0
        if what & CURL_POLL_IN != 0 { ev |= EPOLLIN.rawValue }
        if what & CURL_POLL_OUT != 0 { ev |= EPOLLOUT.rawValue }
        if watched.contains(fd) {
            if skein_epoll_set(epoll, EPOLL_CTL_MOD, fd, ev) != 0 && errno == ENOENT {
                _ = skein_epoll_set(epoll, EPOLL_CTL_ADD, fd, ev)
            }
        } else {
            watched.insert(fd)
            if skein_epoll_set(epoll, EPOLL_CTL_ADD, fd, ev) != 0 && errno == EEXIST {
                _ = skein_epoll_set(epoll, EPOLL_CTL_MOD, fd, ev)
            }
        }
    }

    /// libcurl asks to be called back after `ms` milliseconds (-1: never).
    fileprivate func setTimer(ms: Int) {
        timerDeadline = ms < 0 ? nil : ContinuousClock.now + .milliseconds(ms)
    }

    private func add(_ t: Transfer) {
        if t.isCancelled { return }
        let h: UnsafeMutableRawPointer
        if let spare = spareHandles.popLast() {
            curl_easy_reset(spare)
            h = spare
        } else if let fresh = curl_easy_init() {
            h = fresh
        } else {
            t.complete(error: KubeError.transport(server: server, message: "libcurl could not start a transfer"))
            return
        }
        t.handle = h
        if let problem = configure(h, t) {
            t.handle = nil
            spareHandles.append(h)
            t.complete(error: KubeError.transport(server: server, message: problem))
            return
        }
        active[h] = t
        let rc = curl_multi_add_handle(multi, h)
        if rc != CURLM_OK {
            active[h] = nil
            t.handle = nil
            spareHandles.append(h)
            t.complete(error: KubeError.transport(server: server, message: String(cString: curl_multi_strerror(rc))))
        }
    }

    private func remove(_ t: Transfer, error: any Error) {
        guard let h = t.handle, active[h] != nil else { return }
        active[h] = nil
        _ = curl_multi_remove_handle(multi, h)
        t.handle = nil
        release(h)
        t.complete(error: error)
    }

    private func finish(_ h: UnsafeMutableRawPointer, code: CURLcode) {
        guard let t = active.removeValue(forKey: h) else { return }
        _ = curl_multi_remove_handle(multi, h)
        if code == CURLE_OK {
            t.handle = nil
            release(h)
            t.complete(error: nil)
        } else {
            let detail = t.errorBuffer[0] != 0 ? String(cString: t.errorBuffer) : String(cString: curl_easy_strerror(code))
            let error = CurlErrors.describe(code: code, detail: detail, request: t.request, tls: tls,
                                            receivedHeaders: t.headComplete, server: server)
            t.handle = nil
            release(h)
            t.complete(error: error)
        }
    }

    private func release(_ h: UnsafeMutableRawPointer) {
        if spareHandles.count < 64 { spareHandles.append(h) } else { curl_easy_cleanup(h) }
    }

    // MARK: options

    /// Sets every option of one transfer; returns a message when one is refused.
    private func configure(_ h: UnsafeMutableRawPointer, _ t: Transfer) -> String? {
        let r = t.request
        let ctx = Unmanaged.passUnretained(t).toOpaque()
        var failed: String?
        func check(_ rc: CURLcode, _ what: String) {
            if rc != CURLE_OK && failed == nil { failed = "\(what): \(String(cString: curl_easy_strerror(rc)))" }
        }
        check(skein_curl_setopt_string(h, CURLOPT_URL, r.url), "URL \(r.url)")
        _ = skein_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = skein_curl_setopt_ptr(h, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(t.errorBuffer))
        _ = skein_curl_setopt_long(h, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = skein_curl_setopt_long(h, CURLOPT_PIPEWAIT, 1)
        _ = skein_curl_setopt_long(h, CURLOPT_TCP_NODELAY, 1)
        _ = skein_curl_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1)
        _ = skein_curl_setopt_long(h, CURLOPT_TCP_KEEPIDLE, 30)
        _ = skein_curl_setopt_long(h, CURLOPT_TCP_KEEPINTVL, 15)
        _ = skein_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, 30_000)
        if let to = r.timeout { _ = skein_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(to.milliseconds)) }
        if let idle = r.idleTimeout {
            _ = skein_curl_setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, 1)
            _ = skein_curl_setopt_long(h, CURLOPT_LOW_SPEED_TIME, max(1, Int(idle.milliseconds / 1000)))
        }
        _ = skein_curl_setopt_string(h, CURLOPT_USERAGENT, "skein")

        // Method and body. A body always carries an explicit size, and `Expect:` is emptied
        // so libcurl never waits for a `100 Continue` the server may not send.
        var lines = r.headers
        switch r.method {
        case "GET": _ = skein_curl_setopt_long(h, CURLOPT_HTTPGET, 1)
        case "POST": break
        default: check(skein_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, r.method), "method")
        }
        if let body = r.body {
            _ = skein_curl_setopt_offset(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBytes { b in
                // COPYPOSTFIELDS copies the bytes (and takes the size set just above).
                if let p = b.baseAddress?.assumingMemoryBound(to: CChar.self) {
                    check(skein_curl_setopt_string(h, CURLOPT_COPYPOSTFIELDS, p), "request body")
                } else {
                    check(skein_curl_setopt_string(h, CURLOPT_COPYPOSTFIELDS, ""), "request body")
                }
            }
            lines.append("Expect:")
        } else if r.method == "POST" {
            _ = skein_curl_setopt_offset(h, CURLOPT_POSTFIELDSIZE_LARGE, 0)
            check(skein_curl_setopt_string(h, CURLOPT_COPYPOSTFIELDS, ""), "request body")
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for l in lines { list = curl_slist_append(list, l) }
        t.headerList = list
        if list != nil { _ = skein_curl_setopt_slist(h, CURLOPT_HTTPHEADER, list) }

        _ = skein_curl_setopt_write(h, CURLOPT_WRITEFUNCTION, curlWriteBody)
        _ = skein_curl_setopt_ptr(h, CURLOPT_WRITEDATA, ctx)
        _ = skein_curl_setopt_write(h, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        _ = skein_curl_setopt_ptr(h, CURLOPT_HEADERDATA, ctx)

        // TLS.
        if tls.insecureSkipVerify {
            _ = skein_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 0)
            _ = skein_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 0)
        } else {
            switch tls.certificateAuthority {
            case .file(let path)?: check(skein_curl_setopt_string(h, CURLOPT_CAINFO, path), "certificate-authority")
            case .data(let pem)?:
                check(pem.withUnsafeBytes { skein_curl_setopt_blob(h, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count) },
                      "certificate-authority-data")
            case nil: break
            }
        }
        if let name = tls.serverName, let connect = Self.connectTo(url: r.url, serverName: name) {
            // libcurl 7.88 has no option to set SNI alone: the URL names the expected host and
            // CONNECT_TO sends the connection to the real address.
            check(skein_curl_setopt_string(h, CURLOPT_URL, connect.url), "tls-server-name")
            let l = curl_slist_append(nil, connect.rule)
            t.connectTo = l
            _ = skein_curl_setopt_slist(h, CURLOPT_CONNECT_TO, l)
        }
        if let id = r.identity {
            switch id.certificate {
            case .file(let path):
                check(skein_curl_setopt_string(h, CURLOPT_SSLCERT, path), "client-certificate")
            case .data(let pem):
                check(pem.withUnsafeBytes { skein_curl_setopt_blob(h, CURLOPT_SSLCERT_BLOB, $0.baseAddress, $0.count) },
                      "client-certificate-data")
            }
            _ = skein_curl_setopt_string(h, CURLOPT_SSLCERTTYPE, "PEM")
            switch id.key {
            case .file(let path): check(skein_curl_setopt_string(h, CURLOPT_SSLKEY, path), "client-key")
            case .data(let pem):
                check(pem.withUnsafeBytes { skein_curl_setopt_blob(h, CURLOPT_SSLKEY_BLOB, $0.baseAddress, $0.count) },
                      "client-key-data")
            }
            _ = skein_curl_setopt_string(h, CURLOPT_SSLKEYTYPE, "PEM")
        }
        if let p = proxy { check(skein_curl_setopt_string(h, CURLOPT_PROXY, p), "proxy-url") }
        return failed
    }

    /// For `tls-server-name`: the URL with its host replaced, and the CONNECT_TO rule
    /// (`NAME:PORT:HOST:PORT`) that still connects to the original host.
    static func connectTo(url: String, serverName: String) -> (url: String, rule: String)? {
        guard let c = URLComponents(string: url), let host = c.host else { return nil }
        let port = c.port ?? (c.scheme == "http" ? 80 : 443)
        var changed = c
        changed.host = serverName
        guard let u = changed.string else { return nil }
        let target = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return (u, "\(serverName):\(port):\(target):\(port)")
    }
}

private let curlSocketCallback: skein_curl_socket_cb = { _, fd, what, loop, _ in
    guard let loop else { return 0 }
    Unmanaged<CurlLoop>.fromOpaque(loop).takeUnretainedValue().watch(socket: fd, what: what)
    return 0
}

private let curlTimerCallback: skein_curl_timer_cb = { _, ms, loop in
    guard let loop else { return 0 }
    Unmanaged<CurlLoop>.fromOpaque(loop).takeUnretainedValue().setTimer(ms: ms)
    return 0
}

private let curlWriteBody: skein_curl_write_cb = { ptr, size, count, ctx in
    guard let ctx else { return 0 }
    let t = Unmanaged<Transfer>.fromOpaque(ctx).takeUnretainedValue()
    return t.didReceiveBody(UnsafeRawBufferPointer(start: ptr, count: size * count))
}

private let curlWriteHeader: skein_curl_write_cb = { ptr, size, count, ctx in
    guard let ctx else { return 0 }
    let t = Unmanaged<Transfer>.fromOpaque(ctx).takeUnretainedValue()
    t.didReceiveHeader(UnsafeRawBufferPointer(start: ptr, count: size * count))
    return size * count
}

extension Duration {
    var milliseconds: Int64 {
        let (s, a) = components
        return s * 1000 + a / 1_000_000_000_000_000
    }
}
