import Foundation

/// Validates a YAML or JSON document against a JSON Schema with Python's jsonschema (an
/// implementation independent of ours). Returns the exit status (0 valid, 1 invalid) and the
/// violations, one per line as "/pointer message".
public enum SchemaValidation {
    public static func validate(_ document: String, schema: String) throws -> (status: Int32, output: String) {
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(sys.stdin.read())))
            for e in errors: print("/" + "/".join(str(p) for p in e.absolute_path), e.message)
            sys.exit(1 if errors else 0)
            """
        let result = try ProcessSupport.run("python3", ["-c", script, schema], stdin: document)
        return (result.status, result.stdout + result.stderr)
    }
}
