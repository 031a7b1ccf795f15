/**
 * Subject B of the gateway throughput benchmark: bare Fastify answering `POST /echo` with the
 * JSON body it received (parsed, then serialized again), the HTTP leg of a gateway without the
 * gateway. Default Fastify settings, no logger, no schema.
 *
 * Run in its own process: `node bench/dist/fastify-echo.js <port>`; prints "ready <port>".
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/echo', async (request) => request.body);
const address = await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
console.log(`ready ${new URL(address).port}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
