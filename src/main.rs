fn main() -> std::process::ExitCode {
    asakai::cli::main()
}
