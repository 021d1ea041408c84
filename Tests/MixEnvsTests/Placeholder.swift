import Testing
@testable import MixEnvs
