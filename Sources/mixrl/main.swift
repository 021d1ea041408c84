import MixRL
print("mixrl")
