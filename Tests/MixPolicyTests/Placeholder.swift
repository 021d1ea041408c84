import Testing
@testable import MixPolicy
