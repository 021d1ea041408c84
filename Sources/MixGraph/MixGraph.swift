// The MixGraph layer; see DESIGN.md.
