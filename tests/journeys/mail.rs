//! The mail worker against a real SMTP listener on loopback: delivery, retry after a refusal,
//! and nothing sent twice.

use app::store::outbox::{self, OutgoingMail};
use server::config::{MailConfig, MailTransportConfig};
use server::mailer::{Mailer, SendReport};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the little SMTP server has received, and whether it accepts mail at the moment.
#[derive(Default)]
struct Inbox {
    messages: Vec<String>,
    refusing: bool,
}

/// A minimal SMTP server: enough of RFC 5321 for lettre to deliver a message.
async fn start_smtp_listener(inbox: Arc<Mutex<Inbox>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let inbox = inbox.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write
                    .write_all(b"220 test.invalid ESMTP\r\n")
                    .await
                    .unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO")
                    {
                        b"250-test.invalid\r\n250 8BITMIME\r\n"
                    } else if command.starts_with("MAIL FROM") {
                        if inbox.lock().unwrap().refusing {
                            b"451 Try again later\r\n"
                        } else {
                            b"250 OK\r\n"
                        }
                    } else if command.starts_with("RCPT TO")
                        || command.starts_with("RSET")
                        || command.starts_with("NOOP")
                    {
                        b"250 OK\r\n"
                    } else if command == "DATA" {
                        write.write_all(b"354 End with .\r\n").await.unwrap();
                        let mut message = String::new();
                        while let Ok(Some(data)) = lines.next_line().await {
                            if data == "." {
                                break;
                            }
                            message.push_str(&data);
                            message.push('\n');
                        }
                        inbox.lock().unwrap().messages.push(message);
                        b"250 Queued\r\n"
                    } else if command == "QUIT" {
                        let _ = write.write_all(b"221 Bye\r\n").await;
                        break;
                    } else {
                        b"502 Not implemented\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

async fn database() -> (app::store::Db, tempfile::TempDir) {
    let folder = tempfile::tempdir().unwrap();
    let db = server::open_database(&format!(
        "sqlite://{}",
        folder.path().join("mail.db").display()
    ))
    .await
    .unwrap();
    (db, folder)
}

async fn queue(db: &app::store::Db, to: &str) {
    let mut tx = db.pool.begin().await.unwrap();
    let mail = OutgoingMail {
        html: String::new(),
        to: to.into(),
        subject: "Your assessment is due".into(),
        body: "Please submit by 3 June.".into(),
    };
    outbox::enqueue(&mut tx, &mail).await.unwrap();
    tx.commit().await.unwrap();
}

fn smtp_mailer(port: u16) -> Mailer {
    Mailer::new(&MailConfig {
        from: "DMA <dma@england.nhs.uk>".into(),
        transport: MailTransportConfig::Smtp {
            host: "127.0.0.1".into(),
            port,
            starttls: false,
            credentials: None,
        },
    })
    .unwrap()
}

#[tokio::test]
async fn queued_mail_is_delivered_over_smtp_once() {
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let port = start_smtp_listener(inbox.clone()).await;
    let (db, _folder) = database().await;
    queue(&db, "lead@rr8.nhs.uk").await;
    let mailer = smtp_mailer(port);

    assert_eq!(
        mailer.send_due(&db.pool).await.unwrap(),
        SendReport { sent: 1, failed: 0 }
    );
    assert_eq!(
        mailer.send_due(&db.pool).await.unwrap(),
        SendReport { sent: 0, failed: 0 },
        "nothing is sent twice"
    );
    let messages = inbox.lock().unwrap().messages.clone();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].contains("To: lead@rr8.nhs.uk"),
        "{}",
        messages[0]
    );
    assert!(messages[0].contains("Subject: Your assessment is due"));
    assert!(messages[0].contains("Please submit by 3 June."));
    assert!(
        messages[0].contains("@dma.outbox>"),
        "the Message-ID comes from the outbox id"
    );
    assert_eq!(outbox::unsent_count(&db.pool).await.unwrap(), 0);
}

#[tokio::test]
async fn a_refused_message_waits_and_is_retried_until_delivered() {
    let inbox = Arc::new(Mutex::new(Inbox {
        refusing: true,
        ..Inbox::default()
    }));
    let port = start_smtp_listener(inbox.clone()).await;
    let (db, _folder) = database().await;
    queue(&db, "lead@rr8.nhs.uk").await;
    let mailer = smtp_mailer(port);

    assert_eq!(
        mailer.send_due(&db.pool).await.unwrap(),
        SendReport { sent: 0, failed: 1 }
    );
    assert_eq!(
        outbox::unsent_count(&db.pool).await.unwrap(),
        1,
        "the message is kept"
    );
    assert_eq!(
        mailer.send_due(&db.pool).await.unwrap(),
        SendReport::default(),
        "it waits before the next try"
    );
    let last_error: Option<String> = sqlx::query_scalar("SELECT last_error FROM mail_outbox")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(last_error.unwrap().contains("451"));

    inbox.lock().unwrap().refusing = false;
    sqlx::query("UPDATE mail_outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z'")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        mailer.send_due(&db.pool).await.unwrap(),
        SendReport { sent: 1, failed: 0 }
    );
    assert_eq!(inbox.lock().unwrap().messages.len(), 1);
    let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM mail_outbox")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 2);
}

#[tokio::test]
async fn mail_queued_in_a_rolled_back_change_is_never_sent() {
    let (db, _folder) = database().await;
    let mut tx = db.pool.begin().await.unwrap();
    let mail = OutgoingMail {
        html: String::new(),
        to: "lead@rr8.nhs.uk".into(),
        subject: "s".into(),
        body: "b".into(),
    };
    outbox::enqueue(&mut tx, &mail).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(outbox::unsent_count(&db.pool).await.unwrap(), 0);
}
