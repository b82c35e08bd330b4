import Foundation
import KubeAPI
import KubeClient
import Logging
import Prometheus
import SkeinJSON
import WorkflowEngine
import WorkflowModel

/// Creating and deleting a workflow's pods.
extension WorkflowReconciler {
    enum CreateOutcome {
        case created
        case failed(String)
        case retry
    }

    func createPod(_ launch: StepLaunch, workflow: Workflow, repository: JSONValue?, namespace: String) async -> CreateOutcome {
        let pod: JSONValue
        do {
            pod = try builder.pod(for: launch, workflow: workflow, repository: repository)
        } catch {
            return .failed(error.description)
        }
        do {
            _ = try await client.create(.pods, pod, namespace: namespace)
            metrics.podsCreated.increment()
            return .created
        } catch KubeError.alreadyExists {
            // Created before (by this controller before a restart): the step has started.
            return .created
        } catch let e as KubeError {
            switch e {
            case .invalid(let s), .badRequest(let s), .forbidden(let s):
                return .failed("the pod could not be created: \(s.message)")
            default:
                logger.warning("pod create failed, will retry", metadata: ["pod": "\(launch.podName)", "error": "\(e)"])
                return .retry
            }
        } catch {
            return .retry
        }
    }

    func deletePod(_ name: String, namespace: String) async {
        do {
            _ = try await client.delete(.pods, name, namespace: namespace)
        } catch KubeError.notFound {
        } catch {
            logger.warning("pod delete failed", metadata: ["pod": "\(name)", "error": "\(error)"])
        }
    }
}
