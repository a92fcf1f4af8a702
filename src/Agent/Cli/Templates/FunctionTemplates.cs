namespace Fnagent.Cli.Templates;

/// <summary>
/// The function folders <c>fnagent init --runtime R</c> makes. Each one works as written:
/// served by <c>fnagent serve</c> from its parent folder or deployed with <c>fnagent deploy</c>.
/// fdk-node is exactly what Fn's <c>fn init --runtime node</c> makes, so a folder moves
/// between Fn and fnagent unchanged.
/// </summary>
internal static class FunctionTemplates
{
    public static readonly IReadOnlyList<FunctionTemplate> All =
    [
        new("bash",
        [
            new("func.yml", """
                # A cold function: every call runs ./func.sh, the request body on stdin, the response on stdout.
                name: {{name}}
                cmd: ./func.sh
                format: default

                """),
            new("func.sh", """
                #!/usr/bin/env bash
                # stdin: the request body. stdout: the response body. stderr: this call's log.
                # GREETING comes from the config when set: fnagent fns config set APP {{name}} GREETING Hi
                name=$(cat)
                echo "{{name}} called with ${#name} bytes (call $FN_CALL_ID)" >&2
                echo "${GREETING:-Hello} ${name:-World} from bash!"

                """, Executable: true),
        ]),
        new("python",
        [
            new("func.yml", """
                # A hot function in the json format: one python process serves many calls, one at a time.
                name: {{name}}
                cmd: [python3, func.py]
                format: json

                """),
            new("func.py", """"
                """A hot json-format function: one JSON request per line on stdin, one JSON response
                followed by a blank line on stdout per call. Standard library only."""
                import json
                import os
                import sys

                # From the config when set: fnagent fns config set APP {{name}} GREETING Hi
                greeting = os.environ.get("GREETING", "Hello")
                for line in iter(sys.stdin.readline, ""):
                    if not line.strip():
                        continue  # the blank line after each request
                    request = json.loads(line)
                    body = request.get("body") or ""
                    try:
                        name = json.loads(body or "{}").get("name", "World")
                    except (ValueError, AttributeError):
                        name = body.strip() or "World"
                    print(f"call {request['call_id']}: greeting {name}", file=sys.stderr, flush=True)
                    response = {
                        "body": json.dumps({"message": f"{greeting} {name} from python!"}),
                        "content_type": "application/json",
                        "protocol": {"status_code": 200},
                    }
                    sys.stdout.write(json.dumps(response) + "\n\n")
                    sys.stdout.flush()

                """"),
        ]),
        new("node",
        [
            new("func.yml", """
                # A cold function: every call runs node func.js, the request body on stdin, the response on stdout.
                name: {{name}}
                cmd: [node, func.js]
                format: default

                """),
            new("func.js", """
                // stdin: the request body. stdout: the response body. stderr (console.error): this call's log.
                // GREETING comes from the config when set: fnagent fns config set APP {{name}} GREETING Hi
                let body = "";
                process.stdin.setEncoding("utf8");
                process.stdin.on("data", (chunk) => (body += chunk));
                process.stdin.on("end", () => {
                  console.error(`{{name}}: call ${process.env.FN_CALL_ID}`);
                  process.stdout.write(`${process.env.GREETING || "Hello"} ${body.trim() || "World"} from node!\n`);
                });

                """),
        ]),
        new("fdk-node",
        [
            new("func.yaml", """
                schema_version: 20180708
                name: {{name}}
                version: 0.0.1
                runtime: node
                build_image: fnproject/node:dev
                run_image: fnproject/node
                entrypoint: node func.js
                triggers:
                - name: {{name}}
                  type: http
                  source: /{{name}}

                """),
            new("func.js", """
                const fdk=require('@fnproject/fdk');

                fdk.handle(function(input){
                  let name = 'World';
                  if (input.name) {
                    name = input.name;
                  }
                  console.log('\nInside Node Hello World function')
                  return {'message': 'Hello ' + name}
                })

                """),
            new("package.json", """
                {
                  "name": "{{name}}",
                  "version": "1.0.0",
                  "description": "example function",
                  "main": "func.js",
                  "author": "",
                  "license": "Apache-2.0",
                  "dependencies": {
                    "@fnproject/fdk": "0.0.76"
                  }
                }

                """),
        ], Note: "The agent installs @fnproject/fdk (npm) as the build step before the first call."),
    ];

    public static FunctionTemplate? Find(string runtime) => All.FirstOrDefault(t => t.Runtime == runtime);
}
