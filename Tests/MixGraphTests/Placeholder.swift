import Testing
@testable import MixGraph
