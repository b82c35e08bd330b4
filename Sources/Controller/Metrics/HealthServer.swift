import Hummingbird
import Logging
import NIOCore

/// `/healthz` (the process answers), `/readyz` (informers synced: it can do its work) and
/// `/metrics` (Prometheus text format), on one port.
enum HealthServer {
    static func run(port: Int, controller: WorkflowController, onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let router = Router()
        router.get("healthz") { _, _ in "ok" }
        router.get("readyz") { _, _ -> Response in
            controller.isReady
                ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "informers not synced yet")))
        }
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: controller.metricsText())))
        }
        var logger = Logger(label: "skein.health")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("0.0.0.0", port: port)),
                              onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) }, logger: logger)
        try await app.run()
    }
}
