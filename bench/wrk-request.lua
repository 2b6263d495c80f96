-- One fixed request for wrk, taken from the arguments after `--`:
--   METHOD PATH BODY ["Name: value" ...]
-- BODY '' sends no body. Setting wrk.* in init() keeps wrk on its fast path: the request is
-- formatted once per thread, not once per request.
function init(args)
  wrk.method = args[1]
  wrk.path = args[2]
  if args[3] ~= nil and args[3] ~= "" then
    wrk.body = args[3]
  end
  for i = 4, #args do
    local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
    if name then
      wrk.headers[name] = value
    end
  end
end
