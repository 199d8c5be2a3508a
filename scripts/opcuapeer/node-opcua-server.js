// A node-opcua server with a temperature, a counter and a state, changing every 200 ms.
const opcua = require("node-opcua");
(async () => {
  const server = new opcua.OPCUAServer({ port: 26543, resourcePath: "/UA/Forkline" });
  await server.initialize();
  const ns = server.engine.addressSpace.getOwnNamespace();
  const dev = ns.addObject({ organizedBy: server.engine.addressSpace.rootFolder.objects, browseName: "Filler" });
  let temp = 72.0, good = 0, state = 1;
  ns.addVariable({ componentOf: dev, nodeId: "s=Temperature", browseName: "Temperature", dataType: "Double",
    value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, value: temp }) } });
  ns.addVariable({ componentOf: dev, nodeId: "s=Good", browseName: "Good", dataType: "UInt32",
    value: { get: () => new opcua.Variant({ dataType: opcua.DataType.UInt32, value: good }) } });
  ns.addVariable({ componentOf: dev, nodeId: "s=State", browseName: "State", dataType: "Int32",
    value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Int32, value: state }) } });
  setInterval(() => { temp = 72 + Math.random(); good += 3; if (good % 30 === 0) state = state === 1 ? 3 : 1; }, 200);
  await server.start();
  console.log("listening", server.getEndpointUrl());
})();
