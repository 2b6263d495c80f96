-- Like wrk-request.lua, but every request claims a different client address through
-- X-Forwarded-For (the server must trust 127.0.0.1 as a proxy). Per-address limits then
-- see many clients behind one proxy instead of one client hammering the server.
local method, path, body
local headers = {}

function init(args)
  method, path = args[1], args[2]
  if args[3] ~= nil and args[3] ~= "" then
    body = args[3]
  end
  for i = 4, #args do
    local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
    if name then
      headers[name] = value
    end
  end
  -- Threads share no state; a seed from this thread's own table address keeps them apart.
  math.randomseed(os.time() + tonumber(string.match(tostring(headers), "0x(%x+)"), 16) % 100000)
end

function request()
  headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format(method, path, headers, body)
end
