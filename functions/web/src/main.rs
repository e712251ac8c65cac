//! The web function: the page at `GET /` and its files at `GET /app/{file}`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();

    lambda_http::run(lambda_http::service_fn(|request| async {
        Ok::<_, std::convert::Infallible>(web::handle(request).await)
    }))
    .await
}
