import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

func command(_ r: LaunchRecord) -> String? { command(r.launch) }
func command(_ l: StepLaunch) -> String? { l.template.container?["command"]?[1]?.stringValue }

@Suite struct LoopTests {
    @Test func withItemsScalarsAndMaps() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: s, template: echo, arguments: {parameters: [{name: msg, value: "{{item}}"}]}, withItems: [a, 2, true]}
          - - {name: m, template: echo, arguments: {parameters: [{name: msg, value: "{{item.os}}:{{item.v}}"}]},
               withItems: [{os: debian, v: 12}, {os: alpine, v: 3}]}
        \(echo)
        """))
        #expect(h.run() == .succeeded)
        #expect(h.launches.compactMap(command) == ["a", "2", "true", "debian:12", "alpine:3"])
        // Argo names loop children with their index and value.
        #expect(h.started.contains("s(0:a)"))
        #expect(h.started.contains("m(1:alpine:3)") || h.started.contains(where: { $0.hasPrefix("m(1:") }))
    }

    @Test func withParamFromAPreviousResultAndFanIn() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: gen, template: echo}
          - - {name: each, template: out, arguments: {parameters: [{name: msg, value: "{{item}}"}]}, withParam: "{{steps.gen.outputs.result}}"}
          - - {name: sum, template: echo, arguments: {parameters: [{name: msg, value: "{{steps.each.outputs.parameters.v}}"}]}}
        - name: out
          inputs: {parameters: [{name: msg}]}
          container: {image: alpine, command: [echo, "{{inputs.parameters.msg}}"]}
          outputs: {parameters: [{name: v, valueFrom: {path: /tmp/v}}]}
        \(echo)
        """))
        let phase = h.run { l in
            if l.displayName == "gen" { return .succeed(result: #"["x","y","z"]"#) }
            if l.displayName.hasPrefix("each(") {
                return .succeed(parameters: ["v": (command(l) ?? "") + "!"])
            }
            return .success
        }
        #expect(phase == .succeeded)
        #expect(h.started.filter { $0.hasPrefix("each(") }.count == 3)
        let sum = h.launches.first { $0.launch.displayName == "sum" }.flatMap(command)
        #expect(sum == #"["x!","y!","z!"]"#)
    }

    /// A loop over an empty list, in steps and in a DAG, is one Skipped node with Argo's
    /// message (not an error, not a TaskGroup), and what follows it runs.
    @Test func aLoopOverAnEmptyListIsSkipped() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: gen, template: echo}
          - - {name: none, template: echo, arguments: {parameters: [{name: msg, value: "{{item}}"}]}, withItems: []}
            - {name: nothing, template: echo, arguments: {parameters: [{name: msg, value: "{{item}}"}]}, withParam: "{{steps.gen.outputs.result}}"}
          - - {name: after, template: dag}
        - name: dag
          dag:
            tasks:
            - {name: t, template: echo, arguments: {parameters: [{name: msg, value: "{{item}}"}]}, withParam: "[]"}
            - {name: u, template: echo, depends: t, arguments: {parameters: [{name: msg, value: u}]}}
        \(echo)
        """))
        let phase = h.run { l in l.displayName == "gen" ? .succeed(result: "[]") : .success }
        #expect(phase == .succeeded)
        for name in ["none", "nothing", "t"] {
            let n = h.node(name)
            #expect(n?.type == .skipped, "\(name)")
            #expect(n?.phase == .skipped, "\(name)")
            #expect(n?.message == "Skipped, empty params", "\(name)")
        }
        #expect(h.started == ["gen", "u"])
        // The Skipped nodes are children of their step group and of the DAG.
        let group = (h.execution.status.nodes ?? [:]).values.first { $0.children?.contains(h.node("none")?.id ?? "-") == true }
        #expect(group?.type == .stepGroup)
        #expect(h.node("after")?.children?.contains(h.node("t")?.id ?? "-") == true)
    }

    @Test func withSequenceCountStartEndFormat() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: c, template: echo, arguments: {parameters: [{name: msg, value: "{{item}}"}]}, withSequence: {count: "3"}}
          - - {name: r, template: echo, arguments: {parameters: [{name: msg, value: "{{item}}"}]}, withSequence: {start: "5", end: "3"}}
          - - {name: f, template: echo, arguments: {parameters: [{name: msg, value: "{{item}}"}]}, withSequence: {start: "1", end: "2", format: "n%02d"}}
        \(echo)
        """))
        #expect(h.run() == .succeeded)
        #expect(h.launches.compactMap(command) == ["0", "1", "2", "5", "4", "3", "n01", "n02"])
    }

    @Test func withParamThatIsNotAListFailsWithAMessage() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: each, template: echo, withParam: "not json"}
        \(echo)
        """))
        #expect(h.run() != .succeeded)
        #expect(h.execution.status.nodes?.values.contains { ($0.message ?? "").contains("withParam") } == true)
    }
}

@Suite struct WhenTests {
    @Test(arguments: [
        ("{{steps.flip.outputs.result}} == heads", "heads", true),
        ("{{steps.flip.outputs.result}} == heads", "tails", false),
        ("{{steps.flip.outputs.result}} != heads", "tails", true),
        ("{{steps.flip.outputs.result}} > 5", "7", true),
        ("{{steps.flip.outputs.result}} =~ '^he'", "heads", true),
        ("{{=asInt(steps.flip.outputs.result) * 2 == 14}}", "7", true),
    ])
    func conditionsDecideWhetherAStepRuns(_ when: String, _ result: String, _ runs: Bool) throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: flip, template: echo}
          - - {name: guarded, template: echo, when: "\(when)"}
        \(echo)
        """))
        #expect(h.run { $0.displayName == "flip" ? .succeed(result: result) : .success } == .succeeded)
        #expect(h.started.contains("guarded") == runs)
        if !runs {
            #expect(h.phase(of: "guarded") == .skipped)
            #expect(h.node("guarded")?.message?.contains("evaluated false") == true)
        }
    }

    @Test func aWhenThatDoesNotParseErrorsTheStep() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: guarded, template: echo, when: "1 == == 2"}
        \(echo)
        """))
        #expect(h.run() == .error || h.execution.phase == .failed)
        #expect(h.started.isEmpty)
    }
}

@Suite struct RetryTests {
    static func retrying(_ strategy: String) -> String {
        workflow("""
        - name: main
          retryStrategy: \(strategy)
          container: {image: alpine, command: [echo, "{{retries}}"]}
        """)
    }

    @Test func retriesUpToTheLimitThenFail() throws {
        let h = try EngineHarness(yaml: Self.retrying("{limit: 2}"))
        #expect(h.run { _ in .fail() } == .failed)
        #expect(h.launches.count == 3)
        #expect(h.launches.compactMap(command) == ["0", "1", "2"])
        #expect(h.execution.node(named: "wf")?.type == .retry)
        #expect(h.execution.node(named: "wf")?.message?.contains("No more retries left") == true)
    }

    @Test func aRetryThatSucceedsSucceeds() throws {
        let h = try EngineHarness(yaml: Self.retrying("{limit: 3}"))
        var n = 0
        #expect(h.run { _ in n += 1; return n < 2 ? .fail() : .success } == .succeeded)
        #expect(h.launches.count == 2)
        #expect(h.execution.node(named: "wf(0)")?.phase == .failed)
        #expect(h.execution.node(named: "wf(1)")?.phase == .succeeded)
    }

    /// Each attempt is flagged `retried`, the first included (Argo's nodeFlag).
    @Test func attemptsAreFlaggedRetried() throws {
        let h = try EngineHarness(yaml: Self.retrying("{limit: 3}"))
        var n = 0
        #expect(h.run { _ in n += 1; return n < 3 ? .fail() : .success } == .succeeded)
        for i in 0..<3 { #expect(h.execution.node(named: "wf(\(i))")?.nodeFlag == NodeFlag(retried: true), "wf(\(i))") }
        #expect(h.execution.node(named: "wf")?.nodeFlag == nil)
    }

    /// `spec.retryStrategy` applies to every template that has none of its own, steps and
    /// DAG templates included (as Argo does); a template's own strategy wins.
    @Test func theWorkflowsRetryStrategyIsEveryTemplatesDefault() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: flaky, template: flaky}
            - {name: once, template: once}
        - name: flaky
          container: {image: alpine, command: [echo, "flaky {{retries}}"]}
        - name: once
          retryStrategy: {limit: 0}
          container: {image: alpine, command: [echo, once]}
        """, spec: "retryStrategy: {limit: 2}"))
        var flaky = 0
        let phase = h.run { l in
            if command(l)?.hasPrefix("flaky") == true { flaky += 1; return flaky < 3 ? .fail() : .success }
            return .success
        }
        #expect(phase == .succeeded)
        #expect(h.launches.compactMap(command).filter { $0.hasPrefix("flaky") } == ["flaky 0", "flaky 1", "flaky 2"])
        #expect(h.execution.node(named: "wf")?.type == .retry, "the steps template is retried too")
        #expect(h.execution.node(named: "wf(0)")?.type == .steps)
        #expect(h.execution.node(named: "wf(0)[0].flaky")?.type == .retry)
        #expect(h.execution.node(named: "wf(0)[0].flaky")?.children?.count == 3)
        #expect(h.execution.node(named: "wf(0)[0].once")?.type == .retry)
        #expect(h.execution.node(named: "wf(0)[0].once")?.children?.count == 1)
    }

    @Test func backoffWaitsDurationTimesFactor() throws {
        let h = try EngineHarness(yaml: Self.retrying("{limit: 3, backoff: {duration: '10s', factor: 2}}"))
        #expect(h.run { _ in .fail(after: 1) } == .failed)
        // Attempts end at 1, 12, 33; the waits are 10, 20, 40 seconds.
        #expect(h.launches.map(\.at) == [0, 11, 32, 73])
    }

    @Test func backoffCapLimitsEachWait() throws {
        let h = try EngineHarness(yaml: Self.retrying("{limit: 3, backoff: {duration: '10s', factor: 10, cap: '30s'}}"))
        #expect(h.run { _ in .fail(after: 1) } == .failed)
        // Waits of 10, 100 and 1,000 seconds, each capped at 30.
        #expect(h.launches.map(\.at) == [0, 11, 42, 73])
    }

    @Test func backoffMaxDurationStopsRetrying() throws {
        let h = try EngineHarness(yaml: Self.retrying("{limit: 10, backoff: {duration: '10s', factor: 1, maxDuration: '25s'}}"))
        #expect(h.run { _ in .fail(after: 1) } == .failed)
        #expect(h.launches.count < 11)
        #expect(h.execution.node(named: "wf")?.message?.contains("Max duration limit exceeded") == true)
    }

    @Test(arguments: [("OnFailure", NodePhase.failed, 2), ("OnFailure", .error, 1), ("OnError", .error, 2),
                      ("OnError", .failed, 1), ("Always", .error, 2), ("Always", .failed, 2)])
    func retryPolicies(_ policy: String, _ failure: NodePhase, _ attempts: Int) throws {
        let h = try EngineHarness(yaml: Self.retrying("{limit: 1, retryPolicy: \(policy)}"))
        h.run { _ in StepOutcome(phase: failure, message: "x") }
        #expect(h.launches.count == attempts)
    }

    /// Each `lastRetry.*` variable, as the retry expression sees it after the first attempt
    /// (failed with exit code 2 and Argo's message, after 3 seconds).
    @Test(arguments: ["lastRetry.status == 'Failed'", "lastRetry.exitCode == '2'", "lastRetry.message == 'Error (exit code 2)'",
                      "lastRetry.duration == '3'", "asInt(lastRetry.duration) == 3"])
    func retryExpressionVariables(_ expression: String) throws {
        let h = try EngineHarness(yaml: Self.retrying("{limit: 1, expression: \"\(expression)\"}"))
        h.run { _ in .fail(exitCode: 2, after: 3) }
        #expect(h.launches.count == 2, "\(expression) did not hold: \(h.execution.node(named: "wf")?.message ?? "")")
    }

    @Test func retryExpressionSeesTheLastAttempt() throws {
        let h = try EngineHarness(yaml: Self.retrying("{limit: 5, expression: \"asInt(lastRetry.exitCode) == 2\"}"))
        var n = 0
        h.run { _ in n += 1; return .fail(exitCode: n < 3 ? 2 : 9) }
        #expect(h.launches.count == 3)
    }
}

@Suite struct DeadlineTests {
    @Test func aTemplateTimeoutFailsTheNodeWithAMessage() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          timeout: 5s
          container: {image: alpine, command: [sleep, "100"]}
        """))
        #expect(h.run { _ in .hang } == .failed)
        #expect(h.stops.count == 1)
        #expect(h.stops.first?.at == 5)
        let n = h.execution.node(named: "wf")
        #expect(n?.phase == .failed)
        #expect(n?.message?.contains("exceeded") == true)
    }

    @Test func workflowActiveDeadlineSecondsStopsEverything() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: a, template: slow}
            - {name: b, template: slow}
        - name: slow
          container: {image: alpine, command: [sleep, "100"]}
        """, spec: "activeDeadlineSeconds: 30"))
        #expect(h.run { _ in .hang } == .failed)
        #expect(h.stops.count == 2)
        #expect(h.stops.allSatisfy { $0.at == 30 })
        #expect(h.message?.contains("deadline") == true)
    }
}

@Suite struct ExitHandlerTests {
    @Test func theExitHandlerRunsAfterFailureAndSeesTheStatus() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          container: {image: alpine, command: [sh, -c, "exit 1"]}
        - name: exit
          steps:
          - - {name: report, template: echo, arguments: {parameters: [{name: msg, value: "{{workflow.status}}"}]}}
        \(echo)
        """, spec: "onExit: exit"))
        #expect(h.run { $0.displayName == "report" ? .success : .fail() } == .failed)
        let report = h.launches.first { $0.launch.displayName == "report" }
        #expect(report.flatMap(command) == "Failed")
        #expect(h.node("wf.onExit")?.phase == .succeeded)
    }

    @Test func workflowFailuresListsTheFailedNodes() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: broken, template: echo}
        - name: exit
          container: {image: alpine, command: [echo, "{{workflow.failures}}"]}
        \(echo)
        """, spec: "onExit: exit"))
        h.run { $0.displayName == "broken" ? .fail() : .success }
        let text = h.launches.last.flatMap(command) ?? ""
        #expect(text.contains("\"displayName\":\"broken\""))
        #expect(text.contains("\"phase\":\"Failed\""))
    }

    @Test func aStepLevelOnExitRunsAfterTheStep() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: work, template: echo, onExit: cleanup}
          - - {name: next, template: echo}
        - name: cleanup
          container: {image: alpine, command: [echo, cleanup]}
        \(echo)
        """))
        #expect(h.run() == .succeeded)
        #expect(h.started == ["work", "work.onExit", "next"])
        #expect(h.node("work.onExit")?.nodeFlag == NodeFlag(hooked: true))
        #expect(h.node("work")?.nodeFlag == nil)
    }
}

@Suite struct ParallelismAndSuspendTests {
    @Test func workflowParallelismLimitsRunningSteps() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: p, template: echo, withSequence: {count: "5"}}
        \(echo)
        """, spec: "parallelism: 2"))
        #expect(h.run { _ in .succeed(after: 10) } == .succeeded)
        #expect(h.launches.map(\.at) == [0, 0, 10, 10, 20])
    }

    @Test func templateParallelismLimitsADAG() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          parallelism: 1
          dag:
            tasks:
            - {name: a, template: echo}
            - {name: b, template: echo}
            - {name: c, template: echo}
        \(echo)
        """))
        #expect(h.run { _ in .succeed(after: 4) } == .succeeded)
        #expect(h.launches.map(\.at) == [0, 4, 8])
    }

    @Test func suspendWithADurationResumesByItself() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: wait, template: pause}
          - - {name: after, template: echo}
        - name: pause
          suspend: {duration: "20s"}
        \(echo)
        """))
        #expect(h.run() == .succeeded)
        #expect(h.launches.first?.at == 20)
        #expect(h.node("wait")?.type == .suspend)
    }

    @Test func suspendWithoutADurationWaitsForResume() throws {
        let yaml = workflow("""
        - name: main
          steps:
          - - {name: wait, template: pause}
          - - {name: after, template: echo}
        - name: pause
          suspend: {}
        \(echo)
        """)
        let idle = try EngineHarness(yaml: yaml)
        #expect(idle.run() == .running)
        #expect(idle.started.isEmpty)
        let resumed = try EngineHarness(yaml: yaml)
        #expect(resumed.run(resumeSuspendedAfter: 100) == .succeeded)
        #expect(resumed.launches.first?.at == 100)
    }

    /// `valueFrom.supplied`: a value given on resume becomes the suspend step's output; an
    /// output that is not supplied keeps its default, whatever was given; a supplied one
    /// nobody gave falls back to its default.
    @Test func resumeSuppliesTheSuppliedOutputs() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: approve, template: approve}
          - - name: after
              template: echo
              arguments: {parameters: [{name: msg, value: "{{steps.approve.outputs.parameters.answer}}/{{steps.approve.outputs.parameters.fixed}}/{{steps.approve.outputs.parameters.unset}}"}]}
        - name: approve
          suspend: {}
          outputs:
            parameters:
            - {name: answer, valueFrom: {supplied: {}, default: "no"}}
            - {name: fixed, valueFrom: {default: kept}}
            - {name: unset, valueFrom: {supplied: {}, default: none-given}}
        \(echo)
        """))
        #expect(h.run(resumeSuspendedAfter: 10, supplying: ["answer": "yes", "fixed": "overridden"]) == .succeeded, "\(h.execution.status.nodes?.values.map { "\($0.displayName) \($0.phase) \($0.message ?? "")" } ?? [])")
        let outputs = h.node("approve")?.outputs?.parameters?.map { "\($0.name)=\($0.value?.value ?? "")" }
        #expect(outputs == ["answer=yes", "fixed=kept", "unset=none-given"], "\(outputs ?? [])")
        #expect(h.node("after")?.inputs?.parameters?.first?.value?.value == "yes/kept/none-given")
    }
}

@Suite struct LoopLimitTests {
    @Test(arguments: [("count: \"-5\"", "must be 0 or more"), ("count: \"9223372036854775807\"", "more than 100000 items"),
                      ("start: \"0\", end: \"200000\"", "more than 100000 items")])
    func badSequencesErrorTheStep(_ seq: String, _ message: String) throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: s, template: echo, withSequence: {\(seq)}}
        \(echo)
        """))
        #expect(h.run() == .error)
        #expect(h.started.isEmpty)
        #expect(h.execution.status.nodes?.values.contains { ($0.message ?? "").contains(message) } == true)
    }
}

/// Durations too long for any timer (issue 18: one such workflow crash-looped the controller).
/// Known only at run time (from a parameter), they error the node; lint refuses literal ones.
@Suite struct HugeDurationTests {
    static let huge = "99999999999999h"

    @Test(arguments: [
        ("timeout: \"{{workflow.parameters.d}}\"\n  container: {image: alpine, command: [echo]}", "timeout"),
        ("suspend: {duration: \"{{workflow.parameters.d}}\"}", "suspend.duration"),
        ("retryStrategy: {limit: 2, backoff: {duration: \"{{workflow.parameters.d}}\"}}\n  container: {image: alpine, command: [\"false\"]}",
         "retryStrategy.backoff.duration"),
    ])
    func aHugeDurationFromAParameterErrorsTheNode(_ template: String, _ field: String) throws {
        let h = try EngineHarness(yaml: workflow("- name: main\n  \(template)",
                                                 arguments: "  arguments: {parameters: [{name: d, value: \"\(Self.huge)\"}]}"))
        let phase = h.run { _ in .fail() }
        #expect(phase == .error || phase == .failed)
        let messages = (h.execution.status.nodes ?? [:]).values.compactMap(\.message)
        #expect(messages.contains { $0.contains("\(field) '\(Self.huge)' is out of range") }, "\(messages)")
    }

    /// A factor compounds past any timer; the wait is capped at the longest duration, and a
    /// workflow deadline still ends it.
    @Test func aCompoundingBackoffIsCappedAndTheDeadlineStillHolds() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          retryStrategy: {limit: 50, backoff: {duration: "2562047h", factor: 1000}}
          container: {image: alpine, command: ["false"]}
        """, spec: "activeDeadlineSeconds: 30"))
        #expect(h.run { _ in .fail() } == .failed)
        #expect(h.launches.count == 1)
        #expect(h.message?.contains("deadline") == true)
    }

    @Test func theLongestActiveDeadlineSecondsRunsNormally() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          activeDeadlineSeconds: 9223372036854775807
          container: {image: alpine, command: [echo]}
        """, spec: "activeDeadlineSeconds: 9223372036854775807"))
        #expect(h.run() == .succeeded)
        #expect(h.execution.status.finishedAt != nil)
        _ = h.launches.first?.launch.deadline?.description
    }
}
