// The MixExperiments layer; see DESIGN.md.
