-- wrk script: GET /api/v1/households/{id} for ids drawn at random from bench/out/ids.txt.
-- No `response` callback: handing every response to Lua costs wrk CPU that it takes from the
-- server on this shared machine (the references run without one). wrk counts any answer that
-- is not 2xx/3xx itself, and run.sh reports that count as errors.
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
