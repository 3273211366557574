// The AIO user ABI of 2.6.9 (include/linux/aio_abi.h): what user space puts in memory for
// io_submit and reads back from io_getevents or straight from the mapped ring. Little-endian
// i386, so PADDED(aio_key, aio_reserved1) puts the key first.

// aio_context_t is an unsigned long: 4 bytes on i386. Its value is the ring's user address.
export type aio_context_t = u32;

export const IOCB_CMD_PREAD: u16 = 0;
export const IOCB_CMD_PWRITE: u16 = 1;
export const IOCB_CMD_FSYNC: u16 = 2;
export const IOCB_CMD_FDSYNC: u16 = 3;
// 4 (PREADX) and 5 (POLL) are commented out in 2.6.9; io_submit rejects them with -EINVAL.
export const IOCB_CMD_NOOP: u16 = 6;     // defined, but no case handles it: -EINVAL too

// struct io_event — 32 bytes, same layout on 32- and 64-bit
//   0                8                16               24               32
//   +----------------+----------------+----------------+----------------+
//   |      data      |      obj       |      res       |      res2      |
//   +----------------+----------------+----------------+----------------+
//   data: the iocb's aio_data; obj: user address of the iocb; res, res2: signed results
// @ts-ignore: decorator
@unmanaged export class io_event {
  data: u64;
  obj: u64;
  res: i64;
  res2: i64;
}
export const IO_EVENT_SIZE: usize = 32;

// struct iocb — 64 bytes
//   0                8        12       16   18   20       24               32
//   +----------------+--------+--------+----+----+--------+----------------+
//   |    aio_data    |aio_key | resv1  |op  |prio| fildes |    aio_buf     |
//   +----------------+--------+--------+----+----+--------+----------------+
//   32               40               48               56               64
//   +----------------+----------------+----------------+----------------+
//   |   aio_nbytes   |   aio_offset   | aio_reserved2  | aio_reserved3  |
//   +----------------+----------------+----------------+----------------+
//   The kernel writes aio_key back at submit (always 0); the reserved words must be 0.
// @ts-ignore: decorator
@unmanaged export class iocb {
  aio_data: u64;
  aio_key: u32;
  aio_reserved1: u32;
  aio_lio_opcode: u16;
  aio_reqprio: i16;
  aio_fildes: u32;
  aio_buf: u64;
  aio_nbytes: u64;
  aio_offset: i64;
  aio_reserved2: u64;
  aio_reserved3: u64;
}
export const IOCB_SIZE: usize = 64;

// Checked at boot by aio_setup(): the ABI must not drift.
export function aio_abi_check(): bool {
  return offsetof<iocb>() == IOCB_SIZE && offsetof<iocb>("aio_key") == 8 &&
    offsetof<iocb>("aio_lio_opcode") == 16 && offsetof<iocb>("aio_fildes") == 20 &&
    offsetof<iocb>("aio_buf") == 24 && offsetof<iocb>("aio_offset") == 40 &&
    offsetof<iocb>("aio_reserved3") == 56 && offsetof<io_event>() == IO_EVENT_SIZE &&
    offsetof<io_event>("res") == 16;
}
