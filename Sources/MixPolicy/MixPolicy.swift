// The MixPolicy layer; see DESIGN.md.
