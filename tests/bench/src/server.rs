//! The server every client reads from: the emulator on a thread of its own (pinned to one CPU
//! when the machine has two), seeded with Leads of 30 fields, and the CPU time that thread used.

use serde_json::{json, Value};
use std::time::Duration;
use zcrm_emulator::{Emulator, SELF_CLIENT_ID, SELF_CLIENT_SECRET};

/// The fields every client asks for (29 listed; `id` comes with every record).
pub const FIELDS: &str = "Owner,Company,Email,Description,Rating,Website,Twitter,Salutation,Last_Activity_Time,First_Name,Full_Name,Lead_Status,Industry,Record_Status__s,Skype_ID,Phone,Street,Zip_Code,Email_Opt_Out,Designation,Modified_By,Mobile,Created_Time,Created_By,Secondary_Email,Lead_Source,Last_Name,Annual_Revenue,No_of_Employees";

/// The user every client signs in as.
pub const USER: &str = "patricia.boyle@zylker.example";

/// Scopes of the tokens minted for the clients.
pub const SCOPES: [&str; 5] = [
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.users.READ",
    "ZohoCRM.org.READ",
    "ZohoCRM.bulk.ALL",
];

/// The running server.
pub struct Server {
    /// The emulator (dropping it stops the server).
    pub emu: Emulator,
    /// The Linux thread id of the server thread (for its CPU time).
    tid: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Pins the calling thread to `cpu`; false when the machine does not allow it.
pub fn pin(cpu: usize) -> bool {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET writes inside it; the call
    // only reads the set.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// Lets the calling thread run on CPUs `0..cpus` again (what it starts next inherits that).
pub fn unpin(cpus: usize) -> bool {
    // SAFETY: as in `pin`.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for cpu in 0..cpus {
            libc::CPU_SET(cpu, &mut set);
        }
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// CPUs this process may run on.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Server {
    /// Starts the emulator on its own thread (pinned to CPU 0 when `pinned`).
    pub fn start(pinned: bool) -> Server {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("emulator".into())
            .spawn(move || {
                if pinned {
                    pin(0);
                }
                let tid = std::fs::read_link("/proc/thread-self")
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the emulator");
                rt.block_on(async move {
                    let emu = Emulator::start().await.expect("the emulator starts");
                    let _ = tx.send((emu, tid));
                    let _ = stop_rx.await;
                });
            })
            .expect("the emulator thread starts");
        let (emu, tid) = rx.recv().expect("the emulator starts");
        Server {
            emu,
            tid,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// CPU time the server thread has used so far (from `/proc`), when readable.
    pub fn cpu_time(&self) -> Option<Duration> {
        let tid = self.tid.as_ref()?;
        let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
        let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
        Some(Duration::from_nanos(ns))
    }

    /// User and system CPU time of the server thread so far (from `/proc`, in clock ticks of
    /// 10 ms), when readable.
    pub fn user_system(&self) -> Option<(u64, u64)> {
        let tid = self.tid.as_ref()?;
        let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
        // Fields after the command name (which is in parentheses): state is field 3, utime 14.
        let rest = text.rsplit_once(')')?.1;
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some((f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?))
    }

    /// A fresh refresh token (and its access token) of the self client for [`USER`].
    pub async fn tokens(&self, http: &reqwest::Client) -> (String, String) {
        let code = self
            .emu
            .mint_grant_code(USER, &SCOPES)
            .expect("a grant code");
        let v: Value = http
            .post(&self.emu.token_url)
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", SELF_CLIENT_ID),
                ("client_secret", SELF_CLIENT_SECRET),
                ("code", code.as_str()),
            ])
            .send()
            .await
            .expect("the token endpoint answers")
            .json()
            .await
            .expect("a token answer");
        let get = |k: &str| v[k].as_str().expect("a token").to_string();
        (get("refresh_token"), get("access_token"))
    }

    /// Adds `n` Leads with the 30 fields (Owner, Created_By, Modified_By, Created_Time and id
    /// are set by the server), as Zoho shapes them.
    pub async fn seed(&self, http: &reqwest::Client, n: usize) {
        let template = json!({
            "Company": "Company {n} Ltd.", "Email": "lead{n}@example.com",
            "Description": "Met at the trade fair; interested in the enterprise plan and a demo next quarter.",
            "Rating": "Active", "Website": "https://www.company{n}.example", "Twitter": null,
            "Salutation": "Mr.", "Last_Activity_Time": "2026-11-30T10:15:00+05:30", "First_Name": "John",
            "Full_Name": "John Doe {n}", "Lead_Status": "Contacted", "Industry": "ASP (Application Service Provider)",
            "Record_Status__s": "Available", "Skype_ID": null, "Phone": "+1 555 0100", "Street": "1 Main Street",
            "Zip_Code": "94105", "Email_Opt_Out": false, "Designation": "CTO", "Mobile": "+1 555 0101",
            "Secondary_Email": null, "Lead_Source": "Trade Show", "Last_Name": "Doe {n}",
            "Annual_Revenue": 1250000.5, "No_of_Employees": 120
        });
        let url = format!("{}/orgs/60012345/records/Leads", self.emu.admin_url);
        let mut left = n;
        while left > 0 {
            let batch = left.min(20_000);
            let r = http
                .post(&url)
                .json(&json!({"generate": batch, "template": template}))
                .send()
                .await
                .expect("the admin API answers");
            assert!(r.status().is_success(), "seeding Leads: {}", r.status());
            left -= batch;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
