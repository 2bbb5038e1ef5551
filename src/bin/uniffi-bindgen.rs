//! The uniffi bindings generator, pinned to the crate's own uniffi version.
fn main() {
    uniffi::uniffi_bindgen_main()
}
