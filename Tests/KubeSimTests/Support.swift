import Foundation
import KubeSim
import SkeinJSON
import SkeinTestSupport

/// Runs `body` with a fresh simulated cluster and stops it afterwards, also on failure.
func withCluster(instant: Bool = false, _ body: (SimCluster) async throws -> Void) async throws {
    let c = try await SimCluster.start(instant: instant)
    do {
        try await body(c)
    } catch {
        await c.stop()
        throw error
    }
    await c.stop()
}

func json(_ s: String) throws -> JSONValue { try JSONValue.parseJSON(s) }

/// kubectl is needed by some tests; they say so visibly and pass when it is missing.
func kubectlAvailable(_ test: String = #function) -> Bool {
    if SimCluster.kubectlPath != nil { return true }
    print("skipping \(test): kubectl is not installed")
    return false
}

func curlAvailable(_ test: String = #function) -> Bool {
    if SimCluster.curlPath != nil { return true }
    print("skipping \(test): curl is not installed")
    return false
}

let widgetCRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.skein.dev
spec:
  group: test.skein.dev
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wd]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: Size
      type: integer
      jsonPath: .spec.size
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
"""
