-- wrk script: GET /api/v1/households/{id} for ids drawn at random from bench/out/ids.txt.
local ids = {}

init = function(args)
  local path = args[1] or "bench/out/ids.txt"
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

request = function()
  return wrk.format("GET", "/api/v1/households/" .. ids[math.random(#ids)])
end

response = function(status, headers, body)
  if status ~= 200 then
    error("unexpected status " .. status)
  end
end
