import ArgumentParser
import MixRL

struct BenchGemm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "Tensor matmul against raw cblas_sgemm for the shapes of a SAC update.")
    func run() throws { print("TODO") }
}
