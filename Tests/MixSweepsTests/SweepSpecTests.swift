import Foundation
import MixAgents
import MixSweeps
import MixTensor
import Testing
import MixPolicy

/// Parses `text` and plans it; returns the error it must throw.
func rejection(_ text: String, overrides: [String] = []) -> SweepSpecError? {
    do {
        _ = try SweepSpec.parse(text, source: "spec.toml", overrides: overrides).plan()
        return nil
    } catch {
        return error
    }
}

/// Asserts that `text` is rejected naming `key` on `line` with a message containing `fragment`.
func expectRejected(_ text: String, key: String?, line: Int?, _ fragment: String, overrides: [String] = [],
                    sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    guard let error = rejection(text, overrides: overrides) else {
        Issue.record("accepted a spec that should be rejected (\(fragment))", sourceLocation: sourceLocation)
        return
    }
    #expect(error.key == key, "\(error)", sourceLocation: sourceLocation)
    if let line { #expect(error.location?.line == line, "\(error)", sourceLocation: sourceLocation) }
    #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
    if let line, line > 0 { #expect(error.description.hasPrefix("spec.toml:\(line): "), "\(error)", sourceLocation: sourceLocation) }
}

let baseSpec = """
    [sweep]
    name = "test"
    jobs = 2

    [grid]
    environment = ["Pendulum-v1", "BimodalBandit-v0"]
    seeds = 2
    steps = 1_000

    [[grid.variant]]
    policy = "gaussian"
    estimator = "rp"

    [[grid.variant]]
    policy = "mixture"
    components = [2, 5]
    estimator = ["mrp", "lr"]
    """

@Suite struct TOMLParserTests {
    @Test func valuesKeysAndComments() throws {
        let doc = try TOMLParser.parse("""
            # comment line
            title = "a \\"quoted\\" \\u00e9 string" # trailing comment
            literal = 'C:\\path'
            n = -1_000
            hex = 0xff
            x = 3e-4
            y = +1.5
            big = 1E6
            yes = true
            list = [
              1, 2,  # comment inside a list
              3,
            ]
            nested = [[1, 2], [3]]
            a.b."c d" = "dotted"
            [table.sub]
            k = inf
            [[items]]
            name = "one"
            [[items]]
            name = "two"
            """, source: "t.toml")
        #expect(doc["title"]?.kind == .string("a \"quoted\" é string"))
        #expect(doc["literal"]?.kind == .string("C:\\path"))
        #expect(doc["n"]?.kind == .integer(-1000))
        #expect(doc["hex"]?.kind == .integer(255))
        #expect(doc["x"]?.kind == .float(3e-4))
        #expect(doc["y"]?.kind == .float(1.5))
        #expect(doc["big"]?.kind == .float(1e6))
        #expect(doc["yes"]?.kind == .boolean(true))
        #expect(doc["list"]?.location.line == 10)
        guard case .array(let list)? = doc["list"]?.kind else { Issue.record("list"); return }
        #expect(list.map(\.kind) == [.integer(1), .integer(2), .integer(3)])
        #expect(list[2].location.line == 12)
        guard case .table(let a)? = doc["a"]?.kind, case .table(let b)? = a["b"]?.kind else { Issue.record("dotted"); return }
        #expect(b["c d"]?.kind == .string("dotted"))
        guard case .table(let table)? = doc["table"]?.kind, case .table(let sub)? = table["sub"]?.kind else { Issue.record("table"); return }
        #expect(sub["k"]?.kind == .float(.infinity))
        guard case .tableArray(let items)? = doc["items"]?.kind else { Issue.record("items"); return }
        #expect(items.map { $0["name"]?.kind } == [.string("one"), .string("two")])
        #expect(items[1].location.line == 20)
    }

    @Test(arguments: [
        ("a = 1\na = 2", 2, "duplicate key (first set on line 1)"),
        ("[t]\nx = 1\n[t]", 3, "defined twice"),
        ("a = \"open", 1, "unterminated string"),
        ("a = {x = 1,}", 1, "trailing comma in an inline table"),
        ("a = gaussian", 1, "strings need quotes"),
        ("a = 2024-01-01", 1, "dates and times are not supported"),
        ("a = 01", 1, "is not a number"),
        ("a = 1__0", 1, "is not a number"),
        ("a = [1, 2", 1, "unterminated list"),
        ("a = 1 b = 2", 1, "unexpected text"),
        ("\n\n= 3", 3, "expected a key"),
        ("a = \"\"\"x", 1, "unterminated multi-line string"),
        ("a = \"\\q\"", 1, "invalid escape"),
        ("x = 1\nx.y = 2", 2, "cannot hold keys"),
    ])
    func syntaxErrorsNameTheLine(text: String, line: Int, fragment: String) {
        do {
            _ = try TOMLParser.parse(text, source: "bad.toml")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.location?.line == line, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
            #expect(error.description.hasPrefix("bad.toml:\(line):"))
        }
    }
}

@Suite struct SweepSpecTests {
    @Test func readsSectionsAndOptions() throws {
        let spec = try SweepSpec.parse(baseSpec + """

            [slurm]
            partition = "cpu"
            time = "01:00:00"
            array_limit = 4
            setup = ["module load openblas"]

            [report]
            confidence = 0.9
            [report.thresholds]
            "Pendulum-v1" = -200
            """, source: "spec.toml")
        #expect(spec.name == "test")
        #expect(spec.jobs == 2)
        #expect(spec.outputFolder == "sweeps/test")
        #expect(spec.slurm.partition == "cpu")
        #expect(spec.slurm.arrayLimit == 4)
        #expect(spec.slurm.setup == ["module load openblas"])
        #expect(spec.report.thresholds == ["Pendulum-v1": -200])
        #expect(spec.report.confidence == 0.9)
        #expect(spec.grid.variants.count == 2)
        let seeds = spec.grid.settings.first { $0.key == "seed" }
        #expect(seeds?.values == [.integer(0), .integer(1)])
        #expect(seeds?.isAxis == true)
    }

    @Test func everyTrainingOptionIsAKey() {
        let keys = TrainingOptions.all.map(\.key)
        // The catalog is read from TrainingConfiguration and must spell keys as config.json does.
        let json = (try? JSONValue(encoding: TrainingConfiguration()))?.objectValue ?? [:]
        for key in json.keys { #expect(keys.contains(key), "config.json key \(key) is not sweepable") }
        #expect(TrainingOptions.type(of: "estimator") == .choice(EstimatorKind.allCases.map(\.rawValue)))
        #expect(TrainingOptions.type(of: "hidden_sizes") == .list(.integer))
        #expect(TrainingOptions.type(of: "target_entropy") == .optional(.real))
    }

    @Test func unknownKeysSuggestTheClosest() {
        expectRejected(baseSpec.replacingOccurrences(of: "steps = 1_000", with: "stpes = 1_000"),
                       key: "grid.stpes", line: 8, "unknown key; did you mean 'steps'?")
        expectRejected(baseSpec.replacingOccurrences(of: "components = [2, 5]", with: "componets = [2, 5]"),
                       key: "grid.variant[2].componets", line: 16, "did you mean 'components'?")
        expectRejected(baseSpec.replacingOccurrences(of: "jobs = 2", with: "job = 2"), key: "sweep.job", line: 3, "did you mean 'jobs'?")
        expectRejected(baseSpec.replacingOccurrences(of: "[sweep]", with: "[sweeep]"), key: "sweeep", line: 1, "did you mean 'sweep'?")
        expectRejected(baseSpec + "\n[slurm]\nparition = \"x\"", key: "slurm.parition", line: 19, "did you mean 'partition'?")
        expectRejected("steps = 5\n" + baseSpec, key: "steps", line: 1, "must be inside a section")
    }

    @Test func wrongTypesSayWhatWasExpected() {
        expectRejected(baseSpec.replacingOccurrences(of: "steps = 1_000", with: "steps = \"many\""),
                       key: "grid.steps", line: 8, "expected an integer, found a string \"many\"")
        expectRejected(baseSpec.replacingOccurrences(of: "components = [2, 5]", with: "components = [2, 5.5]"),
                       key: "grid.variant[2].components", line: 16, "expected an integer, found a float")
        expectRejected(baseSpec.replacingOccurrences(of: "estimator = [\"mrp\", \"lr\"]", with: "estimator = [\"mrp\", \"lrr\"]"),
                       key: "grid.variant[2].estimator", line: 17, "did you mean \"lr\"?")
        expectRejected(baseSpec.replacingOccurrences(of: "jobs = 2", with: "jobs = 0"), key: "sweep.jobs", line: 3, "at least 1")
        expectRejected(baseSpec.replacingOccurrences(of: "jobs = 2", with: "jobs = \"2\""), key: "sweep.jobs", line: 3, "expected an integer")
        expectRejected(baseSpec.replacingOccurrences(of: "seeds = 2", with: "seeds = \"two\""), key: "grid.seeds", line: 7, "a count")
        expectRejected(baseSpec.replacingOccurrences(of: "seeds = 2", with: "seeds = [-1]"), key: "grid.seeds", line: 7, "non-negative")
    }

    @Test func emptyGridsAreRejected() {
        expectRejected("[sweep]\nname = \"x\"\n", key: "grid", line: 0, "no [grid] section")
        expectRejected("[grid]\n", key: "grid", line: 1, "the grid is empty")
        expectRejected(baseSpec.replacingOccurrences(of: "components = [2, 5]", with: "components = []"),
                       key: "grid.variant[2].components", line: 16, "empty list")
        expectRejected(baseSpec.replacingOccurrences(of: "seeds = 2", with: "seeds = 0"), key: "grid.seeds", line: 7, "at least 1")
        expectRejected("[grid]\nsteps = 5\n", key: "grid.environment", line: nil, "no environment")
    }

    @Test func duplicateRunsAreRejected() {
        expectRejected(baseSpec.replacingOccurrences(of: "components = [2, 5]", with: "components = [2, 5, 2]"),
                       key: "grid.variant[2].components", line: 16, "listed twice")
        // Two variants that resolve to the same configurations.
        expectRejected(baseSpec + "\n\n[[grid.variant]]\npolicy = \"gaussian\"\nestimator = \"rp\"\ncomponents = 1\n",
                       key: "grid.variant[3]", line: 19, "duplicate run")
    }

    @Test func invalidCombinationsAgreeWithTrainingConfiguration() {
        // MRP with a Gaussian policy (K = 1).
        expectRejected(baseSpec.replacingOccurrences(of: "estimator = \"rp\"", with: "estimator = \"mrp\""),
                       key: "grid.variant[1].estimator", line: 12, "mrp needs policy mixture with components >= 2")
        // A Gaussian policy with K > 1.
        expectRejected(baseSpec.replacingOccurrences(of: "policy = \"gaussian\"", with: "policy = \"gaussian\"\ncomponents = 3"),
                       key: "grid.variant[1].components", line: 12, "a gaussian policy has exactly one component")
        // MRP with a one-component mixture.
        expectRejected(baseSpec.replacingOccurrences(of: "components = [2, 5]", with: "components = [1, 5]"),
                       key: "grid.variant[2].estimator", line: 17, "components >= 2")
        // Plain range checks come from the same rules.
        expectRejected(baseSpec.replacingOccurrences(of: "steps = 1_000", with: "steps = 1_000\ntau = 2"),
                       key: "grid.tau", line: 9, "must be in (0, 1]")
        var c = TrainingConfiguration()
        c.estimator = .mrp
        #expect(c.problems.first?.key == "estimator")
    }

    @Test func unknownEnvironmentsAndPresets() {
        expectRejected(baseSpec.replacingOccurrences(of: "\"Pendulum-v1\", ", with: "\"Pendulm-v1\", "),
                       key: "grid.environment", line: 6, "did you mean 'Pendulum-v1'?")
        expectRejected(baseSpec.replacingOccurrences(of: "\"Pendulum-v1\", ", with: "\"gymm:Hopper-v5\", "),
                       key: "grid.environment", line: 6, "unknown suite prefix")
        expectRejected(baseSpec + "\n[preset.\"Pendulum-v2\"]\neval_every = 5\n", key: "preset.\"Pendulum-v2\"", line: 18, "matches no environment")
        expectRejected(baseSpec + "\n[preset.\"Pendulum-v1\"]\nsteps = 5\n", key: "preset.\"Pendulum-v1\".steps", line: 19, "also set as grid.steps")
        expectRejected(baseSpec + "\n[preset.\"Pendulum-v1\"]\ntau = [0.1, 0.2]\n", key: "preset.\"Pendulum-v1\".tau", line: 19, "one value per option")
        // Custom setups can skip the environment check.
        let spec = try? SweepSpec.parse(baseSpec.replacingOccurrences(of: "\"Pendulum-v1\", ", with: "\"MyTask-v0\", "), source: "s")
        #expect((try? spec?.plan(nativeEnvironments: nil))?.runs.count == 20)
    }

    @Test func overridesReplaceKeysEverywhere() throws {
        let spec = try SweepSpec.parse(baseSpec + "\n[preset.\"Pendulum-v1\"]\neval_every = 10\n", source: "spec.toml",
                                       overrides: ["steps=50", "sweep.jobs=3", "environment=Pendulum-v1", "seeds=[7]",
                                                   "estimator=lr", "eval_every=5", "slurm.time=00:10:00"])
        #expect(spec.jobs == 3)
        #expect(spec.slurm.time == "00:10:00")
        let plan = try spec.plan()
        // Variants lose their estimator: gaussian lr and mixture lr at K 2 and 5, one seed, one environment.
        #expect(plan.runs.count == 3)
        #expect(plan.runs.allSatisfy { $0.configuration.steps == 50 && $0.configuration.seed == 7 && $0.configuration.evalEvery == 5 })
        #expect(plan.runs.allSatisfy { $0.configuration.estimator == .lr })

        expectRejected(baseSpec, key: "grid.steps", line: 0, "expected an integer", overrides: ["steps=lots"])
        expectRejected(baseSpec, key: nil, line: 0, "expected KEY=VALUE", overrides: ["steps"])
        expectRejected(baseSpec, key: "grid.stesp", line: 0, "did you mean 'steps'?", overrides: ["stesp=5"])
        if let error = rejection(baseSpec, overrides: ["steps=lots"]) { #expect(error.description.hasPrefix("--set steps=lots: grid.steps:")) }
    }

    @Test func defaultSweepPlans() throws {
        let plan = try DefaultSweep.spec().plan()
        #expect(plan.runs.count == 9)
        #expect(Set(plan.runs.map(\.configuration.environment)) == ["Pendulum-v1"])
        #expect(plan.runs.allSatisfy { $0.configuration.problems.isEmpty })
        // The LR rows are the fair LR: as many critic evaluations per state as MRP (M = K)
        // and a leave-one-out baseline, written explicitly into each run's configuration.
        let lr = plan.runs.filter { $0.configuration.estimator == .lr }
        #expect(lr.count == 3)
        #expect(lr.allSatisfy { $0.configuration.samples == 5 && $0.configuration.baseline == .leaveOneOut })
        let mrp = plan.runs.filter { $0.configuration.estimator == .mrp }
        #expect(mrp.allSatisfy { $0.configuration.samples == 1 && $0.configuration.baseline == Baseline.none })
    }
}

@Suite struct PlanTests {
    @Test func idsAreHashesOfTheResolvedConfiguration() throws {
        let plan = try SweepSpec.parse(baseSpec, source: "spec.toml").plan()
        for run in plan.runs {
            let canonical = try JSONValue(encoding: run.configuration).canonicalText
            #expect(run.id == String(SHA256.hexDigest(canonical).prefix(12)))
        }
        #expect(Set(plan.runs.map(\.id)).count == plan.runs.count)
    }

    @Test func idsDoNotDependOnHowTheSpecIsWritten() throws {
        let a = try SweepSpec.parse(baseSpec, source: "a.toml").plan()
        // Same runs: keys reordered, numbers spelled differently, seeds listed, the Gaussian
        // variant written as one with K = 1 spelled out, the grid's steps set by override.
        let b = try SweepSpec.parse("""
            [grid]
            seeds = [0, 1]
            environment = ["BimodalBandit-v0", "Pendulum-v1"]
            steps = 7

            [[grid.variant]]
            estimator = ["lr", "mrp"]
            components = [5, 2]
            policy = "mixture"

            [[grid.variant]]
            components = 1
            estimator = "rp"
            policy = "gaussian"
            """, source: "b.toml", overrides: ["steps=1000"]).plan()
        #expect(Set(a.runs.map(\.id)) == Set(b.runs.map(\.id)))
        #expect(a.runs.map(\.id) != b.runs.map(\.id))  // the order follows the spec
        // Changing any option changes the id.
        let c = try SweepSpec.parse(baseSpec, source: "c.toml", overrides: ["tau=0.01"]).plan()
        #expect(Set(a.runs.map(\.id)).isDisjoint(with: c.runs.map(\.id)))
    }

    @Test func planOrderIsEnvironmentVariantAxesSeed() throws {
        let plan = try SweepSpec.parse(baseSpec, source: "spec.toml", overrides: ["gamma=[0.9, 0.99]"]).plan()
        #expect(plan.varyingKeys == ["environment", "policy", "components", "estimator", "gamma", "seed"])
        let labels = plan.runs.prefix(6).map(\.label)
        #expect(labels == [
            "environment=Pendulum-v1 policy=gaussian components=1 estimator=rp gamma=0.9 seed=0",
            "environment=Pendulum-v1 policy=gaussian components=1 estimator=rp gamma=0.9 seed=1",
            "environment=Pendulum-v1 policy=gaussian components=1 estimator=rp gamma=0.99 seed=0",
            "environment=Pendulum-v1 policy=gaussian components=1 estimator=rp gamma=0.99 seed=1",
            "environment=Pendulum-v1 policy=mixture components=2 estimator=mrp gamma=0.9 seed=0",
            "environment=Pendulum-v1 policy=mixture components=2 estimator=mrp gamma=0.9 seed=1",
        ])
        #expect(plan.runs.count == 40)
        #expect(plan.runs[20].configuration.environment == "BimodalBandit-v0")
        #expect(plan.runs.map(\.index) == Array(0..<40))
        // The environment's built-in preset applies under the spec's settings.
        #expect(plan.runs[0].configuration.actorLearningRate == TrainingConfiguration.preset(for: "Pendulum-v1").actorLearningRate)
        #expect(plan.runs[20].configuration.actorLearningRate == TrainingConfiguration.preset(for: "BimodalBandit-v0").actorLearningRate)
        #expect(plan.runs[20].configuration.steps == 1_000)
    }

    @Test func canonicalJSONIsStable() {
        let v = JSONValue.object(["b": .number(1.0), "a": .array([.string("x\"y"), .number(0.1), .integer(-3), .null, .bool(true)])])
        #expect(v.canonicalText == #"{"a":["x\"y",0.1,-3,null,true],"b":1}"#)
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hexDigest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hexDigest(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
