import Testing
import MixPolicy
