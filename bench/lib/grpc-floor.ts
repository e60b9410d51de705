// The floor every gRPC figure is compared with: a bare grpc-js unary call (AdminService.GetStatus)
// against a server that answers it with nothing else to do.
import { credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import { pb } from "../../packages/core/src/index.js";

/** `count` sequential unary round trips to `address` after 500 warm-up calls; each in milliseconds. */
export async function unaryFloorRoundTrips(address: string, count: number): Promise<number[]> {
  const Floor = makeGenericClientConstructor({ getStatus: pb.AdminServiceService.getStatus }, "Floor");
  const client = new Floor(address, credentials.createInsecure()) as unknown as {
    getStatus(req: pb.GetStatusRequest, cb: (e: Error | null) => void): void;
    close(): void;
  };
  const once = () =>
    new Promise<void>((resolve, reject) => client.getStatus({}, (e) => (e ? reject(e) : resolve())));
  for (let i = 0; i < 500; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await once();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  client.close();
  return samples;
}
