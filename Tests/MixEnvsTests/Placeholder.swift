import Testing
import MixEnvs
