import Testing
import MixGraph
