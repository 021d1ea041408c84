// The MixAgents layer; see DESIGN.md.
