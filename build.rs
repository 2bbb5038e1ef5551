fn main() {
    uniffi::generate_scaffolding("udl/weixinkit.udl")
        .expect("uniffi scaffolding from udl/weixinkit.udl");
}
