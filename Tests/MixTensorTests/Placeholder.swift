import Testing
import MixTensor
