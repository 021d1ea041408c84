// The MixEnvs layer; see DESIGN.md.
