-- wrk: the body of post.lua as an async call (Fn-Invoke-Type: detached); 202 is success.
wrk.method = "POST"
wrk.body = '{"hello":"world"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Fn-Invoke-Type"] = "detached"
